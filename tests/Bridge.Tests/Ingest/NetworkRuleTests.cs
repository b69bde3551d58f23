using System.Net;
using System.Text.Json;
using Bridge.Tests.Support;

namespace Bridge.Tests.Ingest;

/// <summary>allow_from and X-Forwarded-For over a real socket: the header counts only from a trusted proxy.</summary>
public sealed class NetworkRuleTests
{
    private static string Config(string server) => $$"""
        {{server}}
        destinations:
          ntfy: {}
        sources:
          office:
            format: json
            token: ${HOOK_TOKEN}
            allow_from: [203.0.113.0/24, "2001:db8::/32"]
          anywhere:
            format: json
            token: ${HOOK_TOKEN}
        rules:
          - name: all
            topic: all
        """;

    private const string BehindProxy = "server: { trusted_proxies: [127.0.0.1], limits: { per_client: { requests: 2, per: 1h } } }";

    [Fact]
    public async Task WithoutTrustedProxiesTheConnectionsAddressIsTheClient()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config(""));

        using var spoofed = await PostAsync(bridge, "office", "203.0.113.9");
        using var anywhere = await PostAsync(bridge, "anywhere", null);

        await AssertProblemAsync(spoofed, HttpStatusCode.Forbidden, "address 127.0.0.1 may not send to source 'office'");
        Assert.Equal(HttpStatusCode.Accepted, anywhere.StatusCode);
    }

    [Fact]
    public async Task BehindATrustedProxyTheForwardedAddressIsTheClient()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config(BehindProxy));

        using var allowed = await PostAsync(bridge, "office", "203.0.113.9");
        using var allowedV6 = await PostAsync(bridge, "office", "2001:db8::5");
        using var outside = await PostAsync(bridge, "office", "198.51.100.1");
        using var direct = await PostAsync(bridge, "office", null);

        Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, allowedV6.StatusCode);
        await AssertProblemAsync(outside, HttpStatusCode.Forbidden, "address 198.51.100.1 may not send");
        await AssertProblemAsync(direct, HttpStatusCode.Forbidden, "address 127.0.0.1 may not send");
    }

    [Fact]
    public async Task WhatAClientClaimsBeforeItsOwnAddressIsIgnored()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config(BehindProxy));

        // The proxy appends the address it saw; the client wrote the first entry itself.
        using var spoofed = await PostAsync(bridge, "office", "203.0.113.9, 198.51.100.7");

        await AssertProblemAsync(spoofed, HttpStatusCode.Forbidden, "address 198.51.100.7 may not send");
    }

    [Fact]
    public async Task RateLimitsCountEachForwardedClientApart()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config(BehindProxy));

        for (var i = 0; i < 2; i++) (await PostAsync(bridge, "anywhere", "198.51.100.1")).Dispose();
        using var limited = await PostAsync(bridge, "anywhere", "198.51.100.1");
        using var other = await PostAsync(bridge, "anywhere", "198.51.100.2");

        await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "too many requests from 198.51.100.1");
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
    }

    private static Task<HttpResponseMessage> PostAsync(BridgeTestHost bridge, string source, string? forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{source}") { Content = new ByteArrayContent("{}"u8.ToArray()) };
        request.Headers.Authorization = new("Bearer", BridgeTestHost.HookToken);
        if (forwardedFor is not null) request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        return bridge.Client.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
