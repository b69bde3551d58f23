namespace Bridge.Configuration;

/// <summary>
/// The whole validated configuration. Built only by ConfigLoader. Like every config record it compares by value, lists
/// and maps included (<see cref="ValueList{T}"/>, <see cref="ValueDictionary{TKey, TValue}"/>): loading an unchanged file again
/// gives an equal config.
/// </summary>
/// <param name="FilePath">The config file it was read from; null for the embedded sample.</param>
/// <param name="BaseDirectory">Where relative paths in the file resolve.</param>
public sealed record BridgeConfig(
    string? FilePath,
    string BaseDirectory,
    ServerConfig Server,
    IReadOnlyDictionary<string, DestinationConfig> Destinations,
    IReadOnlyDictionary<string, SourceConfig> Sources,
    IReadOnlyList<RuleConfig> Rules,
    string MappingsDirectory,
    MappingLimitsConfig MappingLimits)
{
    public IReadOnlyDictionary<string, DestinationConfig> Destinations { get; init => field = ValueDictionary.Of(value); } = ValueDictionary.Of(Destinations);

    public IReadOnlyDictionary<string, SourceConfig> Sources { get; init => field = ValueDictionary.Of(value); } = ValueDictionary.Of(Sources);

    public IReadOnlyList<RuleConfig> Rules { get; init => field = ValueList.Of(value); } = ValueList.Of(Rules);

    /// <summary>Where accepted events and their messages are kept. Default: <c>data/bridge.db</c> under <see cref="BaseDirectory"/>.</summary>
    public StorageConfig Storage { get; init; } = StorageConfig.Under(BaseDirectory);
}

/// <param name="Urls">Where to listen; <c>--urls</c> and <c>ASPNETCORE_URLS</c> override it. Default <c>http://127.0.0.1:8080</c>.</param>
public sealed record ServerConfig(string Urls)
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>
    /// The Bearer token the admin API (<c>/api/...</c>) requires. Default none: then the admin API answers loopback
    /// clients only.
    /// </summary>
    public string? AdminToken { get; init; }

    /// <summary>What senders may make the bridge do (<c>server.limits</c>).</summary>
    public IngestLimitsConfig Limits { get; init; } = IngestLimitsConfig.Default;

    /// <summary>Proxies whose <c>X-Forwarded-For</c> is believed. Empty (the default): the header is ignored.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init => field = ValueList.Of(value); } = ValueList.Of<System.Net.IPNetwork>([]);

    /// <summary>The URL senders and browsers reach the bridge at (behind a proxy, the proxy's); its host is allowed. Default none.</summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>
    /// The <c>Host</c> names requests may carry (<c>server.allowed_hosts</c>); others get 400, which stops DNS rebinding.
    /// Default <see cref="LoopbackHosts"/> plus the host of <see cref="PublicUrl"/>.
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init => field = ValueList.Of(value); } = ValueList.Of(LoopbackHosts);

    /// <summary>The names and addresses a client on the bridge's own machine reaches it by.</summary>
    public static readonly IReadOnlyList<string> LoopbackHosts = ValueList.Of<string>(["localhost", "127.0.0.1", "[::1]"]);
}

/// <summary>An ntfy server messages are delivered to.</summary>
/// <param name="Url">The server root; null means dry-run (messages are logged, not sent).</param>
/// <param name="Token">Sent as <c>Authorization: Bearer</c>; never in the URL.</param>
/// <param name="Timeout">Per attempt. Default 10 s.</param>
/// <param name="Retry">How failed attempts are retried.</param>
public sealed record DestinationConfig(string Name, Uri? Url, string? Token, TimeSpan Timeout, RetryConfig Retry)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    public bool IsDryRun => Url is null;

    /// <summary>A PEM file of CA certificates that alone are trusted for this destination (a private CA); null: the system's.</summary>
    public string? CaFile { get; init; }

    /// <summary>Sends on the wire at once. Default <see cref="DefaultMaxInFlight"/>; 1 with <see cref="StrictOrder"/>.</summary>
    public int MaxInFlight { get; init; } = DefaultMaxInFlight;

    /// <summary>Enough to overlap ntfy's answer time at thousands of messages a second, few enough for one ntfy server.</summary>
    public const int DefaultMaxInFlight = 16;

    /// <summary>
    /// <c>ordered: strict</c>: one send at a time, and a message waiting for a retry holds back the later messages of its
    /// topic. Otherwise only messages sharing a <c>sequence_id</c> wait for each other. Default false.
    /// </summary>
    public bool StrictOrder { get; init; }

    /// <summary>
    /// The token bucket the bridge paces its sends by (<c>rate</c>); null (<c>rate: none</c>) for a bridge ntfy exempts
    /// (<c>visitor-request-limit-exempt-hosts</c>). Default <see cref="PaceConfig.NtfyDefault"/>. A dry-run is never paced.
    /// </summary>
    public PaceConfig? Rate { get; init; } = PaceConfig.NtfyDefault;

    /// <summary>
    /// Another destination that takes this one's waiting messages while ntfy's daily quota (42908) holds it; null (the
    /// default) holds them until the quota resets.
    /// </summary>
    public string? Fallback { get; init; }

    /// <summary>The bucket sends wait for: none for a dry-run, which reaches no server.</summary>
    public PaceConfig? Pace => IsDryRun ? null : Rate;
}

/// <summary>The persisted schedule of a destination's delivery attempts.</summary>
/// <param name="Schedule">The wait before each attempt: the first entry before the first attempt, each later one after
/// the attempt before it failed. Its length is the number of attempts. Default
/// <c>[0s, 5s, 30s, 2m, 10m, 30m, 1h, 3h, 6h, 12h]</c>, about a day in all (close to Svix's).</param>
/// <param name="Jitter">Each wait is varied by up to this fraction either way, so a burst of failures does not retry
/// in lock-step. Default 0.2 (±20 %).</param>
/// <param name="MaxAge">A message still undelivered this long after it was made dies, even while its destination is
/// paused (which otherwise stops the schedule). Default 3 days.</param>
public sealed record RetryConfig(IReadOnlyList<TimeSpan> Schedule, double Jitter, TimeSpan MaxAge)
{
    public IReadOnlyList<TimeSpan> Schedule { get; init => field = ValueList.Of(value); } = ValueList.Of(Schedule);

    public static readonly RetryConfig Default = new(
        [TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10),
         TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12)],
        0.2,
        TimeSpan.FromDays(3));

    public int MaxAttempts => Schedule.Count;
}

public enum SourceFormat
{
    /// <summary>Any of Authentik's body shapes, normalised.</summary>
    Authentik,
    /// <summary>Any JSON object; nothing is mapped, <c>action</c> is read from <see cref="SourceConfig.ActionPath"/>.</summary>
    Json,
}

/// <summary>A sender, served at <c>POST /hooks/{Name}</c>.</summary>
/// <param name="Tokens">Accepted tokens (several during a rotation). Empty only when <paramref name="AuthNone"/>.</param>
/// <param name="AuthNone">The file says <c>auth: none</c> explicitly.</param>
/// <param name="ActionPath">For <c>format: json</c>: dotted path of the field holding the action, e.g. <c>event.type</c>.</param>
/// <param name="BaseUrl">Authentik's public URL, so mappings can link to the admin UI.</param>
public sealed record SourceConfig(
    string Name,
    SourceFormat Format,
    IReadOnlyList<string> Tokens,
    bool AuthNone,
    string? ActionPath,
    string? BaseUrl)
{
    public IReadOnlyList<string> Tokens { get; init => field = ValueList.Of(value); } = ValueList.Of(Tokens);

    /// <summary>Methods from <c>auth:</c> besides <see cref="Tokens"/>; a request passes when any method accepts it.</summary>
    public IReadOnlyList<AuthMethodConfig> Auth { get; init => field = ValueList.Of(value); } = ValueList.Of<AuthMethodConfig>([]);

    /// <summary>Client addresses allowed to send (<c>allow_from</c>); empty: any.</summary>
    public IReadOnlyList<System.Net.IPNetwork> AllowFrom { get; init => field = ValueList.Of(value); } = ValueList.Of<System.Net.IPNetwork>([]);

    /// <summary>Requests to this source from all clients together (<c>rate_limit</c>); null: unlimited.</summary>
    public RateLimitConfig? RateLimit { get; init; }

    /// <summary>Where the groups of an event's user are looked up when the body carries none (<c>authentik_api</c>); null: never.</summary>
    public AuthentikApiConfig? AuthentikApi { get; init; }
}

/// <summary>One rule: when <see cref="Match"/> matches and <see cref="Unless"/> does not, run the mapping.</summary>
/// <param name="Mapping">A file in the mappings folder; null for the built-in default mapping.</param>
/// <param name="Destination">The destination name (already resolved when only one exists).</param>
/// <param name="Topic">The topic used when the mapping sets none.</param>
/// <param name="Stop">Later rules are not tried once this one matched.</param>
/// <param name="Path">Where the rule stands in the file, e.g. <c>rules[2]</c>, for error messages.</param>
public sealed record RuleConfig(
    string Name,
    MatchSpec Match,
    MatchSpec? Unless,
    string? Mapping,
    string Destination,
    string? Topic,
    bool Stop,
    string Path)
{
    /// <summary>
    /// <c>urgent: true</c>: the rule's messages wait in the top lane whatever their priority (as priority 5 ones do),
    /// claimed before any waiting normal message of the destination. Default false.
    /// </summary>
    public bool Urgent { get; init; }

    /// <summary>Its events as incident cards, one per group, updated in place (<c>group</c>); null: one message per event.</summary>
    public GroupConfig? Group { get; init; }

    /// <summary>At most so many of its events per period sent one by one, the rest folded into a digest (<c>throttle</c>); null: no limit.</summary>
    public ThrottleConfig? Throttle { get; init; }
}

/// <summary>
/// The match keys of a rule. Each key holds the values any of which may match; null means the key is absent
/// (matches everything). Values are kept as written; the rule compiler parses and checks them.
/// </summary>
public sealed record MatchSpec(
    IReadOnlyList<string>? Source = null,
    IReadOnlyList<string>? Action = null,
    IReadOnlyList<string>? Group = null,
    IReadOnlyList<string>? User = null,
    IReadOnlyList<string>? ClientIp = null,
    IReadOnlyList<string>? App = null,
    IReadOnlyList<string>? Model = null,
    IReadOnlyList<string>? Severity = null)
{
    public IReadOnlyList<string>? Source { get; init => field = ValueList.Of(value); } = ValueList.Of(Source);
    public IReadOnlyList<string>? Action { get; init => field = ValueList.Of(value); } = ValueList.Of(Action);
    public IReadOnlyList<string>? Group { get; init => field = ValueList.Of(value); } = ValueList.Of(Group);
    public IReadOnlyList<string>? User { get; init => field = ValueList.Of(value); } = ValueList.Of(User);
    public IReadOnlyList<string>? ClientIp { get; init => field = ValueList.Of(value); } = ValueList.Of(ClientIp);
    public IReadOnlyList<string>? App { get; init => field = ValueList.Of(value); } = ValueList.Of(App);
    public IReadOnlyList<string>? Model { get; init => field = ValueList.Of(value); } = ValueList.Of(Model);
    public IReadOnlyList<string>? Severity { get; init => field = ValueList.Of(value); } = ValueList.Of(Severity);

    /// <summary>The YAML key names, in the order they are documented.</summary>
    public static readonly IReadOnlyList<string> Keys = ["source", "action", "group", "user", "client_ip", "app", "model", "severity"];
}

/// <summary>Sandbox limits for mapping scripts.</summary>
/// <param name="Timeout">Wall time for one run. Default 1 s.</param>
/// <param name="MaxStatements">Statements for one run. Default 100,000.</param>
/// <param name="MemoryBytes">Memory one run may allocate. Default 16 MiB.</param>
/// <param name="MaxRecursion">Call depth. Default 64.</param>
/// <param name="MaxConcurrency">Mapping runs at once. Default: the processor count.</param>
public sealed record MappingLimitsConfig(TimeSpan Timeout, int MaxStatements, long MemoryBytes, int MaxRecursion, int MaxConcurrency)
{
    public static readonly MappingLimitsConfig Default = new(TimeSpan.FromSeconds(1), 100_000, 16 * 1024 * 1024, 64, Environment.ProcessorCount);
}
