namespace Bridge.Configuration;

/// <summary>
/// What one sender, or all of them together, may make the bridge do: <c>server.limits</c>. The defaults are safe for
/// a bridge on the internet and generous for Authentik, which sends one small POST per event and recipient.
/// </summary>
/// <param name="MaxBodyBytes">Larger bodies get 413. Default 1 MiB: Authentik events are a few KB.</param>
/// <param name="MaxDepth">Deeper JSON gets 400. Default 64: no event nests deeper, and deep documents burn CPU.</param>
/// <param name="MaxHeaderBytes">All request headers together; more gets 431 from the server. Default 32 KiB.</param>
/// <param name="HeadersTimeout">Time to send the request headers; slower clients are cut off. Default 10 s.</param>
/// <param name="MinBodyRate">Bytes per second a body must keep up after a 5 s grace; slower clients are cut off. Default 240.</param>
/// <param name="MaxInFlight">Hook requests from authenticated senders handled at once; more get 429. Default 64.</param>
/// <param name="MaxConnections">Open connections at once; further ones are closed at once, unanswered. Default 1024.</param>
/// <param name="PerClient">Hook requests per client address. Default none (unlimited): Authentik sends in bursts.</param>
public sealed record IngestLimitsConfig(
    int MaxBodyBytes,
    int MaxDepth,
    int MaxHeaderBytes,
    TimeSpan HeadersTimeout,
    int MinBodyRate,
    int MaxInFlight,
    int MaxConnections,
    RateLimitConfig? PerClient)
{
    /// <summary>Time for a whole body once the headers are in; slower senders get 408. Default 10 s.</summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an idle connection is kept open for its next request. Default 30 s (Kestrel's own is 130 s).</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Open connections from one client address; further ones are closed at once. Default 64.</summary>
    public int MaxConnectionsPerClient { get; init; } = 64;

    /// <summary>
    /// Bodies read before their sender is known (signed sources: the signature covers the body), all sources together.
    /// Separate from <see cref="MaxInFlight"/>, so unverified bodies never take an authenticated sender's place. Default 32.
    /// </summary>
    public int MaxUnverified { get; init; } = 32;

    /// <summary>Unverified bodies read at once for one source. Default 16.</summary>
    public int MaxUnverifiedPerSource { get; init; } = 16;

    /// <summary>Unverified bodies read at once from one client address. Default 4.</summary>
    public int MaxUnverifiedPerClient { get; init; } = 4;

    /// <summary>
    /// Failed authentications per client address, as a token bucket: a burst of 10, then one every minute; an address
    /// with none left is refused 429 before its credential is even looked at. Default <c>{ requests: 10, per: 10m }</c>.
    /// </summary>
    public RateLimitConfig AuthFailures { get; init; } = new(10, TimeSpan.FromMinutes(10));

    /// <summary>The deepest <c>max_depth</c> a config may set; a stored body is never deeper than this.</summary>
    public const int MaxAllowedDepth = 256;

    public static readonly IngestLimitsConfig Default = new(
        1024 * 1024, 64, 32 * 1024, TimeSpan.FromSeconds(10), 240, 64, 1024, null);
}

/// <summary>
/// At most <paramref name="Requests"/> per <paramref name="Per"/>, as a token bucket: a burst of up to
/// <paramref name="Requests"/> is taken at once, then one request every <c>Per / Requests</c>.
/// </summary>
public sealed record RateLimitConfig(int Requests, TimeSpan Per);
