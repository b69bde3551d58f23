using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Bridge.Tests.Support;

namespace Bridge.Tests.Delivery;

/// <summary>What a destination answers is read headers first and at most 16 KB: an endless or odd answer costs the bridge nothing.</summary>
public sealed class BoundedAnswerTests
{
    private const string Config = """
        destinations:
          ntfy:
            url: ${SINK_URL}
            timeout: 5s
            retry: { schedule: [0s, 10ms] }
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - name: all
            topic: all
        """;

    private static readonly byte[] Event = TestPaths.ReadAuthentikPayload("event-login-admin.json");

    [Fact]
    public async Task AnEndlessAnswerIsReadNoFurtherThan16KbAndTheAttemptIsRecorded()
    {
        // At most 256 MB, so even a bridge that read it all would end the test, just with the assertion failing.
        await using var sink = await Sink.StartAsync(200, endlessChunks: 4096);
        await using var bridge = await BridgeTestHost.StartAsync(Config, options: new TestHostOptions(Environment: new Dictionary<string, string> { ["SINK_URL"] = sink.Url }));

        using var response = await bridge.PostHookAsync("authentik", Event);
        var delivered = await bridge.Logs.WaitForMessageAsync("Delivered message");
        var written = await sink.Stopped.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("not an ntfy answer", delivered.RenderMessage(), StringComparison.Ordinal);
        // 16 KB read, plus what the kernel's loopback buffers (several MB each way) took before the bridge let go: far
        // from the 256 MB on offer, which a client that buffers or drains the answer takes in full.
        Assert.InRange(written, 16 * 1024, 48 * 1024 * 1024);
    }

    [Fact]
    public async Task ARedirectsDeadReasonNamesTheStatusOnce()
    {
        await using var sink = await Sink.StartAsync(301, endlessChunks: 0);
        await using var bridge = await BridgeTestHost.StartAsync(Config, options: new TestHostOptions(Environment: new Dictionary<string, string> { ["SINK_URL"] = sink.Url }));

        using var response = await bridge.PostHookAsync("authentik", Event);
        await bridge.Logs.WaitForMessageAsync("ntfy rejected message");
        var dead = JsonDocument.Parse(await bridge.Client.GetStringAsync("/api/messages?status=dead")).RootElement.GetProperty("items")[0];

        Assert.Equal("ntfy rejected it: HTTP 301: an empty answer", dead.GetProperty("dead_reason").GetString());
    }

    /// <summary>
    /// A destination on a raw socket that answers every request with one status and, if asked, 64 KB chunks until the
    /// client lets go (a raw socket, unlike a web server, fails its next send once the other side has closed).
    /// </summary>
    private sealed class Sink : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource<long> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();
        private Task _serving = Task.CompletedTask;

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

        /// <summary>How many bytes of body the sink sent before the client went away (or it ran out).</summary>
        public Task<long> Stopped => _stopped.Task;

        public static Task<Sink> StartAsync(int status, int endlessChunks)
        {
            var sink = new Sink();
            sink._listener.Start();
            sink._serving = sink.ServeAsync(status, endlessChunks);
            return Task.FromResult(sink);
        }

        private async Task ServeAsync(int status, int endlessChunks)
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptSocketAsync(_stop.Token);
                await ReadRequestAsync(client);
                var head = endlessChunks > 0
                    ? $"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    : $"HTTP/1.1 {status} Moved\r\nLocation: http://127.0.0.1:1/\r\nContent-Length: 0\r\n\r\n";
                await client.SendAsync(Encoding.ASCII.GetBytes(head));
                var chunk = Encoding.ASCII.GetBytes($"10000\r\n{new string('x', 0x10000)}\r\n");
                long sent = 0;
                try
                {
                    for (var i = 0; i < endlessChunks; i++)
                    {
                        await client.SendAsync(chunk);
                        sent += 0x10000;
                    }
                }
                catch (SocketException)
                {
                    // The client let go: how much it took is the measure.
                }
                _stopped.TrySetResult(sent);
            }
        }

        /// <summary>Headers, then as many body bytes as Content-Length says.</summary>
        private static async Task ReadRequestAsync(Socket client)
        {
            var received = new List<byte>();
            var buffer = new byte[8192];
            int headEnd;
            while ((headEnd = Encoding.ASCII.GetString([.. received]).IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
                received.AddRange(buffer.AsSpan(0, await client.ReceiveAsync(buffer)));
            var head = Encoding.ASCII.GetString([.. received], 0, headEnd);
            var length = head.Split("\r\n").Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                .Select(l => int.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
            var body = received.Count - headEnd - 4;
            while (body < length) body += await client.ReceiveAsync(buffer);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _serving;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped while waiting for the next connection.
            }
            _stop.Dispose();
        }
    }
}
