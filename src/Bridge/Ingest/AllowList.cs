using System.Net;
using Bridge.Configuration;

namespace Bridge.Ingest;

/// <summary>A source's <c>allow_from</c>: the client addresses it takes hooks from (after trusted proxies are unwrapped).</summary>
public static class AllowList
{
    public static bool Permits(SourceConfig source, IPAddress? client)
    {
        if (source.AllowFrom.Count == 0) return true;
        if (client is null) return false;
        // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; lists are written in IPv4.
        if (client.IsIPv4MappedToIPv6) client = client.MapToIPv4();
        foreach (var network in source.AllowFrom)
        {
            if (network.Contains(client)) return true;
        }
        return false;
    }
}
