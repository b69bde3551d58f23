using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Bridge.Tests.Support;

namespace Bridge.Tests.Ingest.Limits;

/// <summary>Configured limits over a real socket: 429 with Retry-After per client, per source and in flight; body, depth and header limits.</summary>
public sealed class LimitTests
{
    private static string Config(string limits, string sourceExtra = "") => $$"""
        server:
          limits: {{limits}}
        destinations:
          ntfy: {}
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        {{sourceExtra}}
          other:
            format: json
            token: ${HOOK_TOKEN}
        rules:
          - name: all
            topic: all
        """;

    private static readonly byte[] Event = TestPaths.ReadAuthentikPayload("event-login-admin.json");

    [Fact]
    public async Task AClientOverItsRateGets429WithRetryAfterAndAProblem()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ per_client: { requests: 2, per: 1h } }"));

        using var first = await bridge.PostHookAsync("authentik", Event);
        using var second = await bridge.PostHookAsync("other", "{}"u8.ToArray());
        using var third = await bridge.PostHookAsync("authentik", Event);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        await AssertProblemAsync(third, HttpStatusCode.TooManyRequests, "too many requests from 127.0.0.1 (at most 2 per 1h)");
        var retryAfter = third.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(retryAfter, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task ASourceRateCountsAllSendersAndLeavesOtherSourcesAlone()
    {
        var config = Config("{ per_client: none }", "    rate_limit: { requests: 1, per: 1m }");
        await using var bridge = await BridgeTestHost.StartAsync(config);

        using var first = await bridge.PostHookAsync("authentik", Event);
        using var second = await bridge.PostHookAsync("authentik", Event);
        using var other = await bridge.PostHookAsync("other", "{}"u8.ToArray());

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await AssertProblemAsync(second, HttpStatusCode.TooManyRequests, "too many requests to source 'authentik' (at most 1 per 1m, from all senders together)");
        Assert.Equal(TimeSpan.FromMinutes(1), second.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
    }

    [Fact]
    public async Task HealthChecksAreNeverLimited()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ per_client: { requests: 1, per: 1h } }"));
        using var used = await bridge.PostHookAsync("authentik", Event);

        using var health = await bridge.Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task RequestsBeyondTheInFlightCapAreRefusedUntilOneFinishes()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ max_in_flight: 1 }"));
        // 100-continue: the client sends the body only once the server starts reading it, which it does while
        // holding its in-flight slot; so when the body is asked for, the first request is certainly in flight.
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) };
        using var client = new HttpClient(handler) { BaseAddress = bridge.Client.BaseAddress };
        var body = new HeldBody(Event);
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/authentik") { Content = body };
        request.Headers.ExpectContinue = true;
        request.Headers.Authorization = new("Bearer", BridgeTestHost.HookToken);
        var held = client.SendAsync(request);
        await body.Requested.WaitAsync(TimeSpan.FromSeconds(15));

        using var refused = await bridge.PostHookAsync("authentik", Event);
        body.Release();
        using var first = await held;
        using var after = await bridge.PostHookAsync("authentik", Event);

        await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests, "too many requests in flight (at most 1 at once)");
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    [Fact]
    public async Task ABodyOverTheConfiguredSizeIs413WithOrWithoutALength()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ max_body: 1KB }"));
        var big = Encoding.UTF8.GetBytes("{\"pad\": \"" + new string('x', 2048) + "\"}");

        using var withLength = await bridge.PostHookAsync("other", big);
        var chunked = new HttpRequestMessage(HttpMethod.Post, "/hooks/other") { Content = new StreamContent(new MemoryStream(big)) };
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Headers.Authorization = new("Bearer", BridgeTestHost.HookToken);
        using var withoutLength = await bridge.Client.SendAsync(chunked);

        await AssertProblemAsync(withLength, HttpStatusCode.RequestEntityTooLarge, "larger than 1024 bytes");
        await AssertProblemAsync(withoutLength, HttpStatusCode.RequestEntityTooLarge, "larger than 1024 bytes");
    }

    [Fact]
    public async Task AnOversizedBodyClosesItsConnectionSoTheNextRequestIsNotLost()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ max_body: 64KB, per_client: none }"));

        for (var i = 0; i < 10; i++)
        {
            using var big = await bridge.PostHookAsync("other", new byte[200_000]);
            using var next = await bridge.PostHookAsync("other", "{}"u8.ToArray());

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
            Assert.True(big.Headers.ConnectionClose);
            Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        }
    }

    [Fact]
    public async Task NestingOverTheConfiguredDepthIs400()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ max_depth: 4 }"));

        using var fits = await bridge.PostHookAsync("other", "{\"a\":{\"b\":{\"c\":[1]}}}"u8.ToArray());
        using var tooDeep = await bridge.PostHookAsync("other", "{\"a\":{\"b\":{\"c\":[[1]]}}}"u8.ToArray());

        Assert.Equal(HttpStatusCode.Accepted, fits.StatusCode);
        await AssertProblemAsync(tooDeep, HttpStatusCode.BadRequest, "depth of 4");
    }

    [Fact]
    public async Task HeadersOverTheConfiguredSizeAreRefusedByTheServer()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ max_header_size: 4KB }"));
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/other") { Content = new ByteArrayContent("{}"u8.ToArray()) };
        request.Headers.TryAddWithoutValidation("X-Padding", new string('p', 5000));

        using var response = await bridge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task AClientTooSlowToSendItsHeadersIsCutOff()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ headers_timeout: 1s }"));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(bridge.Client.BaseAddress!.Host, bridge.Client.BaseAddress.Port);

        await socket.SendAsync("POST /hooks/other HTTP/1.1\r\nHost: x\r\n"u8.ToArray());
        var buffer = new byte[1024];
        var read = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(15));

        // The server answers 408 and closes, or just closes: either way the connection is not held open.
        var answer = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.True(read == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A body that is handed over only when released, and says when the client asks for it.</summary>
    private sealed class HeldBody(byte[] bytes) : HttpContent
    {
        private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Requested => _requested.Task;

        public void Release() => _released.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            _requested.TrySetResult();
            await _released.Task;
            await stream.WriteAsync(bytes);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
