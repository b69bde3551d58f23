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
/// <param name="MaxInFlight">Hook requests handled at once; more get 429. Default 64.</param>
/// <param name="MaxConnections">Open connections at once; further ones wait in the OS backlog. Default 1024.</param>
/// <param name="PerClient">Hook requests per client address. Default 600 a minute; null: unlimited.</param>
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
    /// <summary>The deepest <c>max_depth</c> a config may set; a stored body is never deeper than this.</summary>
    public const int MaxAllowedDepth = 256;

    public static readonly IngestLimitsConfig Default = new(
        1024 * 1024, 64, 32 * 1024, TimeSpan.FromSeconds(10), 240, 64, 1024, new RateLimitConfig(600, TimeSpan.FromMinutes(1)));
}

/// <summary>
/// At most <paramref name="Requests"/> per <paramref name="Per"/>, as a token bucket: a burst of up to
/// <paramref name="Requests"/> is taken at once, then one request every <c>Per / Requests</c>.
/// </summary>
public sealed record RateLimitConfig(int Requests, TimeSpan Per);
