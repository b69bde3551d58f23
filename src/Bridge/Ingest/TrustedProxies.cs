using Bridge.Configuration;
using Microsoft.AspNetCore.HttpOverrides;

namespace Bridge.Ingest;

/// <summary>
/// <c>X-Forwarded-For</c>, believed only from <c>server.trusted_proxies</c>: anyone can send the header, so from anyone
/// else it would let a client choose the address that allow-lists and rate limits see.
/// </summary>
public static class TrustedProxies
{
    /// <returns>null when no proxy is trusted: then the header is ignored and the connection's address is the client.</returns>
    public static ForwardedHeadersOptions? Options(ServerConfig server)
    {
        if (server.TrustedProxies.Count == 0) return null;
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor,
            // Walk back through the chain while each hop is a trusted proxy; the first untrusted address is the
            // client, and whatever it claims to the left of itself is ignored.
            ForwardLimit = null,
        };
        // The defaults trust loopback; only what the config names is trusted.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var network in server.TrustedProxies) options.KnownIPNetworks.Add(network);
        return options;
    }
}
