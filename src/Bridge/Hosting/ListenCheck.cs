using System.Net;
using System.Net.Sockets;

namespace Bridge.Hosting;

/// <summary>
/// Finds a listen address another process already holds, before the host starts: the server's own failure comes after
/// the background services started, and is a stack trace with their shutdown errors after it.
/// </summary>
public static class ListenCheck
{
    /// <returns>The first URL whose address is taken, or null when every one is free (or cannot be checked ahead).</returns>
    public static string? FirstBusy(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards are no URI hosts.
            var parsable = url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(parsable, UriKind.Absolute, out var uri) || uri.Port == 0) continue;
            foreach (var address in Addresses(uri))
            {
                if (Taken(new IPEndPoint(address, uri.Port))) return url;
            }
        }
        return null;
    }

    private static IPAddress[] Addresses(Uri uri) => uri.Host switch
    {
        "localhost" => [IPAddress.Loopback, IPAddress.IPv6Loopback],
        var host when IPAddress.TryParse(host.Trim('[', ']'), out var ip) => [ip],
        // Any other name: Kestrel listens on every address.
        _ => [IPAddress.Any],
    };

    private static bool Taken(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // As Kestrel binds: connections of an earlier run still closing (TIME_WAIT) do not make the port busy.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(endpoint);
            return false;
        }
        catch (SocketException e)
        {
            // Anything else (no IPv6 on this machine, say) is the server's to report.
            return e.SocketErrorCode == SocketError.AddressAlreadyInUse;
        }
    }
}
