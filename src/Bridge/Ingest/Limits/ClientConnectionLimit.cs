using System.Net;
using Bridge.Configuration;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Bridge.Ingest.Limits;

/// <summary>
/// <c>server.limits.max_connections_per_client</c>: open connections from one address, counted as the server accepts
/// them. One over the limit is closed at once, unanswered, so one address's idle connections cannot fill
/// <c>max_connections</c> for everyone. Trusted proxies are not counted: every client behind them shares their address.
/// </summary>
public sealed class ClientConnectionLimit(LiveRuntime live, RefusalLog refusals)
{
    private readonly Dictionary<IPAddress, int> _open = [];

    /// <summary>Puts the limit in front of every endpoint the server listens on.</summary>
    public static void Attach(ListenOptions listen) => listen.Use(next =>
    {
        var limit = listen.ApplicationServices.GetRequiredService<ClientConnectionLimit>();
        return connection => limit.OnConnectionAsync(connection, next);
    });

    private async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var server = live.Current.Config.Server;
        if (connection.RemoteEndPoint is not IPEndPoint { Address: var remote } || IsTrustedProxy(server, Unmapped(remote)))
        {
            await next(connection);
            return;
        }
        var address = Unmapped(remote);
        var max = server.Limits.MaxConnectionsPerClient;
        if (!TryOpen(address, max))
        {
            refusals.Refused(address, null, $"more than {max} open connections from this address (server.limits.max_connections_per_client); the connection was closed");
            connection.Abort(new ConnectionAbortedException("too many connections from one client"));
            return;
        }
        try
        {
            await next(connection);
        }
        finally
        {
            Close(address);
        }
    }

    private bool TryOpen(IPAddress address, int max)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(address);
            if (open >= max) return false;
            _open[address] = open + 1;
            return true;
        }
    }

    private void Close(IPAddress address)
    {
        lock (_open)
        {
            // Removed at zero, so the table holds only addresses with open connections.
            if (--_open[address] == 0) _open.Remove(address);
        }
    }

    /// <summary>Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; one client is one address either way.</summary>
    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool IsTrustedProxy(ServerConfig server, IPAddress address)
    {
        foreach (var network in server.TrustedProxies)
        {
            if (network.Contains(address)) return true;
        }
        return false;
    }
}
