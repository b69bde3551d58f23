using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bridge.Configuration;

/// <summary>The outcome of reading a config file: a config, or every error found in it.</summary>
public sealed record ConfigLoadResult(BridgeConfig? Config, IReadOnlyList<ConfigError> Errors, IReadOnlyList<string> Warnings);

/// <summary>
/// Reads the YAML config into <see cref="BridgeConfig"/>. Every problem is collected with its path and line,
/// so one run of <c>bridge check</c> shows them all.
/// </summary>
public static partial class ConfigLoader
{
    private static readonly string[] TopKeys = ["server", "mappings_dir", "mapping_limits", "destinations", "sources", "rules", "storage"];
    private static readonly string[] ServerKeys = ["urls", "admin_token", "admin_token_file", "limits", "trusted_proxies", "public_url", "allowed_hosts"];
    private static readonly string[] LimitKeys = ["timeout", "max_statements", "memory", "max_recursion", "max_concurrency"];
    private static readonly string[] DestinationKeys = ["url", "token", "token_file", "timeout", "retry", "ca_file", "max_in_flight", "ordered", "rate", "fallback"];
    private static readonly string[] RetryKeys = ["schedule", "jitter", "max_age"];
    private static readonly string[] StorageKeys = ["provider", "path", "connection_string", "connection_string_file", "notify", "lease", "retention", "dedupe_window"];

    /// <summary>The in-process backoff keys of the first version; the persisted schedule replaced them.</summary>
    private static readonly string[] FormerRetryKeys = ["attempts", "delay", "max_delay"];
    private static readonly string[] SourceKeys = ["format", "token", "token_file", "auth", "action_field", "base_url", "allow_from", "rate_limit", "authentik_api"];
    private static readonly string[] RuleKeys = ["name", "source", "match", "unless", "mapping", "destination", "topic", "stop", "urgent", "group", "throttle"];

    /// <param name="yaml">The file's text.</param>
    /// <param name="filePath">Where it came from (for messages and relative paths); null for the embedded sample.</param>
    /// <param name="baseDirectory">Where relative paths resolve: the file's folder, or the working directory for the sample.</param>
    public static ConfigLoadResult Load(string yaml, string? filePath, string baseDirectory, EnvInterpolator env)
    {
        var warnings = new List<string>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            return new(null, [new ConfigError("", $"not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}")], warnings);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return new(null, [new ConfigError("", "the file must be a YAML mapping with at least a 'sources' key")], warnings);
        }

        var context = new ConfigReadContext(baseDirectory, env, hasLineNumbers: true);
        var top = new YamlSection(root, "", context);

        var server = ReadServer(top.Section("server"));
        var mappingsDir = context.ResolvePath(top.Text("mappings_dir") ?? "mappings");
        var limits = ReadLimits(top.Section("mapping_limits"));
        var destinations = ReadDestinations(top, warnings);
        var sources = ReadSources(top, warnings);
        var rules = ReadRules(top, destinations, sources);
        var storage = ReadStorage(top.Section("storage"), context);
        top.ReportUnknownKeys(TopKeys);
        if (storage.Provider == StorageProvider.Postgres) WarnOfShortLease(storage, destinations, warnings);

        warnings.AddRange(context.Warnings);
        if (rules.Count == 0 && context.Errors.Count == 0) warnings.Add("rules: none configured; every event is accepted and nothing is sent");
        if (context.Errors.Count > 0) return new(null, context.Errors, warnings);
        return new(new BridgeConfig(filePath, baseDirectory, server, destinations, sources, rules, mappingsDir, limits) { Storage = storage }, [], warnings);
    }

    /// <summary>Reads and loads a file; a missing or unreadable file is an error like any other.</summary>
    public static ConfigLoadResult LoadFile(string path, EnvInterpolator env)
    {
        var full = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(null, [new ConfigError("", $"cannot read config file {full}: {e.Message}")], []);
        }
        return Load(text, full, Path.GetDirectoryName(full)!, env);
    }

    private static ServerConfig ReadServer(YamlSection? section)
    {
        if (section is null) return new ServerConfig(ServerConfig.DefaultUrls);
        var urls = section.Text("urls") ?? ServerConfig.DefaultUrls;
        var adminToken = section.Secret("admin_token");
        var limits = ReadIngestLimits(section.Section("limits"));
        var proxies = ReadNetworks(section, "trusted_proxies");
        var publicUrl = ReadPublicUrl(section);
        var hosts = ReadAllowedHosts(section, publicUrl);
        section.ReportUnknownKeys(ServerKeys);
        return new ServerConfig(urls) { AdminToken = adminToken, Limits = limits, TrustedProxies = proxies, PublicUrl = publicUrl, AllowedHosts = hosts };
    }

    private static MappingLimitsConfig ReadLimits(YamlSection? section)
    {
        var d = MappingLimitsConfig.Default;
        if (section is null) return d;
        var limits = new MappingLimitsConfig(
            section.Duration("timeout", min: TimeSpan.FromMilliseconds(10)) ?? d.Timeout,
            section.WholeNumber("max_statements", 100, 100_000_000) ?? d.MaxStatements,
            section.Size("memory") ?? d.MemoryBytes,
            section.WholeNumber("max_recursion", 4, 10_000) ?? d.MaxRecursion,
            section.WholeNumber("max_concurrency", 1, 1024) ?? d.MaxConcurrency);
        section.ReportUnknownKeys(LimitKeys);
        return limits;
    }

    private static Dictionary<string, DestinationConfig> ReadDestinations(YamlSection top, List<string> warnings)
    {
        var result = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal);
        var sections = new Dictionary<string, YamlSection>(StringComparer.Ordinal);
        foreach (var (name, section) in top.NamedSections("destinations"))
        {
            sections[name] = section;
            var errorsBefore = section.ErrorCount;
            var url = ReadDestinationUrl(section);
            // A url refused with an error is no dry-run: the config does not start, so no warning should say it would.
            var urlRefused = section.ErrorCount > errorsBefore;
            var token = section.Secret("token");
            var timeout = section.Duration("timeout", min: TimeSpan.FromMilliseconds(100)) ?? DestinationConfig.DefaultTimeout;
            var retry = ReadRetry(section.Section("retry"));
            var caFile = ReadCaFile(section, url);
            var maxInFlight = section.WholeNumber("max_in_flight", 1, 256) ?? DestinationConfig.DefaultMaxInFlight;
            var strict = ReadOrder(section);
            var rate = ReadRate(section);
            var fallback = section.Text("fallback");
            section.ReportUnknownKeys(DestinationKeys);
            if (url is null && !urlRefused) warnings.Add($"destinations.{name}: no url, so this destination is a dry-run: messages are logged, not sent");
            result[name] = new DestinationConfig(name, url, token, timeout, retry) { CaFile = caFile, MaxInFlight = strict ? 1 : maxInFlight, StrictOrder = strict, Rate = rate, Fallback = fallback };
        }
        CheckFallbacks(sections, result);
        return result;
    }

    /// <returns>Whether the destination is <c>ordered: strict</c>.</returns>
    private static bool ReadOrder(YamlSection section)
    {
        var text = section.Text("ordered");
        if (text is null or "sequence") return false;
        if (text == "strict") return true;
        section.Error("ordered", $"\"{text}\" is not one of sequence, strict");
        return false;
    }

    /// <summary>The <c>url</c> of a server the bridge calls with a token: http(s), with no credentials or query in it.</summary>
    private static Uri? ParseServerUrl(YamlSection section, string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            section.Error("url", $"\"{text}\" is not an http(s) URL");
            return null;
        }
        if (url.Query.Length > 0 || url.UserInfo.Length > 0)
        {
            section.Error("url", "must not carry credentials or a query (put the token in 'token'; it is sent as an Authorization header)");
            return null;
        }
        return url;
    }

    private static Uri? ReadDestinationUrl(YamlSection section)
    {
        var text = section.Text("url");
        // An empty url (e.g. "${NTFY_URL:-}" with nothing set) means dry-run, like an absent one.
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (ParseServerUrl(section, text) is not { } url) return null;
        // JSON publishing goes to the server root; posting JSON to /<topic> publishes the raw JSON text instead.
        if (url.AbsolutePath != "/")
        {
            section.Error("url", $"must be the ntfy server's root, not a topic URL (found path {url.AbsolutePath}); set the topic on the rule or in the mapping");
            return null;
        }
        return url;
    }

    private static RetryConfig ReadRetry(YamlSection? section)
    {
        var d = RetryConfig.Default;
        if (section is null) return d;
        foreach (var former in FormerRetryKeys)
        {
            if (section.Has(former))
                section.Error(former, "was replaced by the persisted retry schedule: write e.g. 'schedule: [0s, 5s, 30s, 2m, 10m]' (the waits before each attempt)");
            _ = section.Text(former);
        }
        var retry = new RetryConfig(
            ReadSchedule(section) ?? d.Schedule,
            ReadFraction(section, "jitter") ?? d.Jitter,
            section.Duration("max_age", min: TimeSpan.FromMinutes(1)) ?? d.MaxAge);
        section.ReportUnknownKeys(RetryKeys);
        return retry;
    }

    /// <summary>Attempts beyond this are no schedule anyone means; they would only hammer a broken destination.</summary>
    private const int MaxScheduledAttempts = 100;

    private static List<TimeSpan>? ReadSchedule(YamlSection section)
    {
        var items = section.StringOrList("schedule");
        if (items is null) return null;
        if (items.Count == 0 || items.Count > MaxScheduledAttempts)
        {
            section.Error("schedule", $"needs 1 to {MaxScheduledAttempts} waits (one per attempt), found {items.Count}");
            return null;
        }
        var schedule = new List<TimeSpan>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (ConfigValues.TryParseDuration(items[i], out var wait))
            {
                schedule.Add(wait);
                continue;
            }
            section.Error("schedule", $"item {i}: \"{items[i]}\" is not a duration (examples: 0s, 500ms, 5s, 2m, 1h)");
            return null;
        }
        return schedule;
    }

    /// <summary>A fraction written as a percentage (<c>20%</c>) or a number from 0 to 1 (<c>0.2</c>).</summary>
    private static double? ReadFraction(YamlSection section, string key)
    {
        var text = section.Text(key);
        if (text is null) return null;
        var percent = text.EndsWith('%');
        var number = percent ? text[..^1].Trim() : text.Trim();
        if (double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            if (percent) value /= 100;
            if (value is >= 0 and <= 1) return value;
        }
        section.Error(key, $"\"{text}\" is not a fraction from 0% to 100% (examples: 20%, 0.2)");
        return null;
    }

    private static StorageConfig ReadStorage(YamlSection? section, ConfigReadContext context)
    {
        var d = StorageConfig.Under(context.BaseDirectory);
        if (section is null) return d;
        var provider = ReadProvider(section);
        var path = section.Text("path");
        var connection = ReadConnectionString(section, provider);
        var notify = section.Flag("notify");
        var lease = section.Duration("lease", min: TimeSpan.FromSeconds(1));
        var retention = section.Duration("retention", min: TimeSpan.FromMinutes(1)) ?? d.Retention;
        var dedupe = section.Duration("dedupe_window") ?? d.DedupeWindow;
        section.ReportUnknownKeys(StorageKeys);
        if (provider == StorageProvider.Postgres)
        {
            if (path is not null) section.Error("path", "only for provider sqlite (a file); with postgres the database is named in connection_string");
        }
        else if (provider == StorageProvider.Sqlite)
        {
            if (notify is not null) section.Error("notify", "only for provider postgres (LISTEN/NOTIFY between instances); the SQLite store has one process");
            if (lease is not null) section.Error("lease", "only for provider postgres (claims other instances take over); the SQLite store has one process");
        }
        if (path is not null && path.Trim().Length == 0) section.Error("path", "is empty: give a file path, or leave the key out for data/bridge.db");
        var full = string.IsNullOrWhiteSpace(path) ? d.Path : path == StorageConfig.InMemoryPath ? path : context.ResolvePath(path);
        return new StorageConfig(full, retention, dedupe) { Provider = provider ?? StorageProvider.Sqlite, ConnectionString = connection, Notify = notify ?? true, Lease = lease ?? StorageConfig.DefaultLease };
    }

    /// <summary>A send (its timeout and one reset retry) that outlives its claim is taken over by another instance and sent twice.</summary>
    private static void WarnOfShortLease(StorageConfig storage, IReadOnlyDictionary<string, DestinationConfig> destinations, List<string> warnings)
    {
        foreach (var d in destinations.Values.Where(d => d.Timeout * 2 > storage.Lease).OrderBy(d => d.Name, StringComparer.Ordinal))
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"storage.lease: {storage.Lease.TotalSeconds:0.#} s is less than twice destination {d.Name}'s timeout ({d.Timeout.TotalSeconds:0.#} s): a slow send may be taken over by another instance and sent twice"));
    }

    /// <returns>Null (with the error) for an unknown one: the keys that depend on it are then not judged.</returns>
    private static StorageProvider? ReadProvider(YamlSection section)
    {
        switch (section.Text("provider"))
        {
            case null or "sqlite": return StorageProvider.Sqlite;
            case "postgres": return StorageProvider.Postgres;
            case var other:
                section.Error("provider", $"\"{other}\" is not a store provider: use sqlite (the default, one file) or postgres (a database several instances share)");
                return null;
        }
    }

    /// <summary>
    /// The Npgsql connection string, inline (<c>${VAR}</c> interpolated) or from <c>connection_string_file</c>; checked
    /// for its syntax here, so a typo stops <c>bridge check</c> rather than the first connection.
    /// </summary>
    private static string? ReadConnectionString(YamlSection section, StorageProvider? provider)
    {
        var inline = section.Text("connection_string");
        var file = section.SecretFile("connection_string_file");
        var given = section.Has("connection_string") ? "connection_string" : section.Has("connection_string_file") ? "connection_string_file" : null;
        if (inline is not null && section.Has("connection_string_file"))
        {
            section.Error("connection_string_file", "give either connection_string or connection_string_file, not both");
            return null;
        }
        var text = (inline ?? file)?.Trim();
        if (provider is null) return null;
        if (provider != StorageProvider.Postgres)
        {
            if (given is not null) section.Error(given, "only for provider postgres; the SQLite store is a file (path)");
            return null;
        }
        if (string.IsNullOrEmpty(text))
        {
            section.Error(given ?? "connection_string", "required with provider postgres: an Npgsql connection string, e.g. \"Host=db;Database=bridge;Username=bridge;Password=${PGPASSWORD}\"");
            return null;
        }
        try
        {
            var parsed = new Npgsql.NpgsqlConnectionStringBuilder(text);
            if (string.IsNullOrEmpty(parsed.Host)) section.Error(given!, "names no Host (the PostgreSQL server's address)");
            if (inline is not null && !string.IsNullOrEmpty(parsed.Password)) section.WarnIfLiteralSecret("connection_string");
        }
        catch (ArgumentException e)
        {
            // Npgsql's message names the keyword, never the value, so no password reaches the error.
            section.Error(given!, $"not an Npgsql connection string: {e.Message}");
            return null;
        }
        return text;
    }

    private static Dictionary<string, SourceConfig> ReadSources(YamlSection top, List<string> warnings)
    {
        var result = new Dictionary<string, SourceConfig>(StringComparer.Ordinal);
        if (!top.Has("sources")) top.Error("sources", "required: at least one source to receive webhooks on (POST /hooks/{name})");
        foreach (var (name, section) in top.NamedSections("sources"))
        {
            if (!SourceName().IsMatch(name)) section.Error($"\"{name}\" cannot be a source name: use lower-case letters, digits, '-' and '_' (it becomes the URL /hooks/{name})");
            var format = ReadFormat(section);
            var errorsBeforeTokens = section.ErrorCount;
            var tokens = section.StringOrList("token") ?? [];
            section.WarnIfLiteralSecret("token");
            var tokenGiven = section.Has("token") || section.Has("token_file");
            var tokenFile = section.SecretFile("token_file");
            var authSetting = ReadAuth(section);
            var auth = authSetting.Keyword;
            var actionField = section.Text("action_field");
            var baseUrl = section.Text("base_url");
            var allowFrom = ReadNetworks(section, "allow_from");
            var rateLimit = ReadRateLimit(section, "rate_limit", null, allowNone: false);
            var authentikApi = ReadAuthentikApi(section, format);
            section.ReportUnknownKeys(SourceKeys);

            if (tokenFile is not null) tokens = [.. tokens, tokenFile];
            tokens = [.. tokens.Where(t => t.Length > 0)];
            WarnIfWeak(section, "token", tokens);
            var authNone = auth == "none";
            if (auth is not null && !authNone) section.Error("auth", $"\"{auth}\" is not supported: write 'none', or a mapping of methods (bearer, query, basic, github, standard_webhooks, hmac); tokens may also go in 'token'");
            if (authNone && tokens.Count > 0) section.Error("auth", "'auth: none' and a token contradict each other; remove one");
            if (!authNone && tokenGiven && tokens.Count == 0 && section.ErrorCount == errorsBeforeTokens)
                section.Error("token", "is empty: every request would be refused (is the environment variable behind it set?)");
            if (!authNone && !tokenGiven && auth is null && !authSetting.IsMapping)
                section.Error("token", "required: a token senders must present, or methods under 'auth' (or 'auth: none' to accept anyone, which is not recommended)");
            if (authNone) warnings.Add($"sources.{name}: 'auth: none' accepts events from anyone who can reach the bridge");
            if (actionField is not null && format != SourceFormat.Json) section.Error("action_field", "only applies to 'format: json' sources");
            if (baseUrl is not null && !Uri.TryCreate(baseUrl, UriKind.Absolute, out _)) section.Error("base_url", $"\"{baseUrl}\" is not an absolute URL");
            result[name] = new SourceConfig(name, format, tokens, authNone, actionField, baseUrl?.TrimEnd('/'))
            {
                Auth = authSetting.Methods,
                AllowFrom = allowFrom,
                RateLimit = rateLimit,
                AuthentikApi = authentikApi,
            };
        }
        return result;
    }

    private static SourceFormat ReadFormat(YamlSection section)
    {
        var text = section.Text("format");
        switch (text)
        {
            case null or "authentik": return SourceFormat.Authentik;
            case "json": return SourceFormat.Json;
            default:
                section.Error("format", $"\"{text}\" is not a format: use 'authentik' or 'json'");
                return SourceFormat.Authentik;
        }
    }

    private static List<RuleConfig> ReadRules(YamlSection top, Dictionary<string, DestinationConfig> destinations, Dictionary<string, SourceConfig> sources)
    {
        var rules = new List<RuleConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in top.Sequence("rules"))
        {
            var name = section.Text("name", required: true) ?? "";
            if (name.Length > 0 && !names.Add(name)) section.Error("name", $"\"{name}\" is used by an earlier rule; rule names must be unique");
            var shorthandSource = section.StringOrList("source");
            var match = ReadMatch(section.Section("match"), sources) ?? new MatchSpec();
            if (shorthandSource is not null)
            {
                if (match.Source is not null) section.Error("source", "given both as 'source' and 'match.source'; keep one");
                CheckSources(section, "source", shorthandSource, sources);
                match = match with { Source = shorthandSource };
            }
            var unless = ReadMatch(section.Section("unless"), sources);
            var mapping = section.Text("mapping");
            var destination = ResolveDestination(section, destinations);
            var topic = section.Text("topic");
            var stop = section.Flag("stop") ?? false;
            var urgent = section.Flag("urgent") ?? false;
            var group = ReadGroup(section);
            var throttle = ReadThrottle(section, section.Has("group"));
            section.ReportUnknownKeys(RuleKeys);
            rules.Add(new RuleConfig(name, match, unless, string.IsNullOrEmpty(mapping) ? null : mapping, destination, topic, stop, section.Path) { Urgent = urgent, Group = group, Throttle = throttle });
        }
        return rules;
    }

    private static string ResolveDestination(YamlSection rule, Dictionary<string, DestinationConfig> destinations)
    {
        var name = rule.Text("destination");
        if (name is null)
        {
            if (destinations.Count == 1) return destinations.Keys.First();
            rule.Error("destination", destinations.Count == 0
                ? "no destinations are configured: add one under 'destinations'"
                : $"required when several destinations exist (one of: {string.Join(", ", destinations.Keys)})");
            return "";
        }
        if (!destinations.ContainsKey(name))
            rule.Error("destination", $"\"{name}\" is not a configured destination (configured: {(destinations.Count == 0 ? "none" : string.Join(", ", destinations.Keys))})");
        return name;
    }

    private static MatchSpec? ReadMatch(YamlSection? section, Dictionary<string, SourceConfig> sources)
    {
        if (section is null) return null;
        var spec = new MatchSpec(
            section.StringOrList("source"),
            section.StringOrList("action"),
            section.StringOrList("group"),
            section.StringOrList("user"),
            section.StringOrList("client_ip"),
            section.StringOrList("app"),
            section.StringOrList("model"),
            section.StringOrList("severity"));
        section.ReportUnknownKeys(MatchSpec.Keys);
        if (spec.Source is not null) CheckSources(section, "source", spec.Source, sources);
        return spec;
    }

    private static void CheckSources(YamlSection section, string key, IReadOnlyList<string> names, Dictionary<string, SourceConfig> sources)
    {
        foreach (var name in names)
        {
            if (!sources.ContainsKey(name))
                section.Error(key, $"\"{name}\" is not a configured source (configured: {(sources.Count == 0 ? "none" : string.Join(", ", sources.Keys))})");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex SourceName();
}
