using Bridge.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Bridge.Ingest.Limits;

/// <summary>The limits the server itself enforces before the bridge sees a request: they hold at start-up, not on reload.</summary>
public static class KestrelLimits
{
    /// <summary>Kestrel's default grace before the minimum body rate applies; long enough for a slow start.</summary>
    public static readonly TimeSpan BodyRateGrace = TimeSpan.FromSeconds(5);

    public static void Apply(KestrelServerLimits server, IngestLimitsConfig limits)
    {
        // The hook reader sets each request's own limit from the live config; this is the ceiling for everything else.
        server.MaxRequestBodySize = limits.MaxBodyBytes;
        server.MaxRequestHeadersTotalSize = limits.MaxHeaderBytes;
        server.RequestHeadersTimeout = limits.HeadersTimeout;
        server.MinRequestBodyDataRate = limits.MinBodyRate == 0 ? null : new MinDataRate(limits.MinBodyRate, BodyRateGrace);
        server.MaxConcurrentConnections = limits.MaxConnections;
        server.KeepAliveTimeout = limits.KeepAliveTimeout;
        // A request line is a method and a path: 8 KiB (the default) is plenty, and a query token fits.
        server.MaxRequestLineSize = 8 * 1024;
    }
}
