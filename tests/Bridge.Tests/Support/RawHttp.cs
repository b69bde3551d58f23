using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bridge.Tests.Support;

/// <summary>A hand-driven HTTP/1.1 connection, for what HttpClient will not do: dribble a body, hold a connection idle, pick the client's address.</summary>
public sealed class RawHttp : IDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _received = [];

    private RawHttp(Socket socket) => _socket = socket;

    /// <param name="from">The client's address: any of 127.0.0.0/8 reaches a bridge on 127.0.0.1, each a different client to it.</param>
    public static async Task<RawHttp> ConnectAsync(Uri bridge, IPAddress? from = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (from is not null) socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(IPAddress.Loopback, bridge.Port).WaitAsync(TimeSpan.FromSeconds(15));
        return new RawHttp(socket);
    }

    public Task SendAsync(string text) => _socket.SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>Reads until the received text holds <paramref name="end"/>, and returns all of it; null if the server closed first.</summary>
    public async Task<string?> ReadUntilAsync(string end, TimeSpan? within = null)
    {
        using var cts = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        while (!Encoding.ASCII.GetString([.. _received]).Contains(end, StringComparison.Ordinal))
        {
            int read;
            try
            {
                read = await _socket.ReceiveAsync(buffer, cts.Token);
            }
            catch (SocketException)
            {
                return null;
            }
            if (read == 0) return null;
            _received.AddRange(buffer.AsSpan(0, read));
        }
        var text = Encoding.ASCII.GetString([.. _received]);
        _received.Clear();
        return text;
    }

    /// <summary>Waits for the server to close the connection; true if it did within the time.</summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        var buffer = new byte[4096];
        try
        {
            while (await _socket.ReceiveAsync(buffer, cts.Token) > 0)
            {
                // Whatever else comes (the rest of an answer) is not what is waited for.
            }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}
