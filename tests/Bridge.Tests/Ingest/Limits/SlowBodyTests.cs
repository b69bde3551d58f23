using System.Net;
using Bridge.Tests.Support;

namespace Bridge.Tests.Ingest.Limits;

/// <summary>Slow bodies cost the sender, not the bridge: a deadline for the whole body, and unverified bodies in a budget of their own.</summary>
public sealed class SlowBodyTests
{
    private const int Attackers = 70;

    private static string Config(string limits) => $$"""
        server:
          limits: {{limits}}
        destinations:
          ntfy: {}
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
          signed:
            format: json
            action_field: action
            auth:
              hmac: { header: X-Signature, secret: "slow-body-test-secret-0123456789" }
        rules:
          - name: all
            topic: all
        """;

    private static readonly byte[] Event = TestPaths.ReadAuthentikPayload("event-login-admin.json");

    [Fact]
    public async Task AuthenticatedPostsKeepGetting202WhileSeventyClientsDribbleJunkSignedBodies()
    {
        // No minimum rate and a long deadline: the attack lasts as long as the test, as it would with 300 B/s in the wild.
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ min_body_rate: 0, body_timeout: 5m }"));
        var attackers = new List<RawHttp>();
        try
        {
            // Each attacker from its own address, so no per-address limit is what holds them off.
            var answers = await Task.WhenAll(Enumerable.Range(0, Attackers).Select(async i =>
            {
                var raw = await RawHttp.ConnectAsync(bridge.Client.BaseAddress!, IPAddress.Parse($"127.0.1.{i + 1}"));
                lock (attackers) attackers.Add(raw);
                // 100-continue: the server asks for the body exactly when the bridge starts reading it, so "100" means
                // this attacker holds a place, and anything else is the bridge's refusal.
                await raw.SendAsync("POST /hooks/signed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100000\r\nX-Signature: 0123456789abcdef\r\nExpect: 100-continue\r\n\r\n");
                var answer = await raw.ReadUntilAsync("\r\n\r\n");
                if (answer?.StartsWith("HTTP/1.1 100", StringComparison.Ordinal) == true) await raw.SendAsync("{\"action\": \"junk");
                return answer ?? "closed";
            }));

            var held = answers.Count(a => a.StartsWith("HTTP/1.1 100", StringComparison.Ordinal));
            Assert.Equal(16, held);
            Assert.All(answers.Where(a => !a.StartsWith("HTTP/1.1 100", StringComparison.Ordinal)), a => Assert.StartsWith("HTTP/1.1 429", a, StringComparison.Ordinal));

            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 26; i++)
            {
                using var response = await bridge.PostHookAsync("authentik", Event);
                statuses.Add(response.StatusCode);
            }
            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Accepted, s));
        }
        finally
        {
            foreach (var raw in attackers) raw.Dispose();
        }
    }

    [Fact]
    public async Task ABodyThatDoesNotArriveWithinTheBodyTimeoutIs408AndItsConnectionIsClosed()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ min_body_rate: 0, body_timeout: 1s }"));
        using var raw = await RawHttp.ConnectAsync(bridge.Client.BaseAddress!);

        await raw.SendAsync($"POST /hooks/authentik HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {BridgeTestHost.HookToken}\r\n"
            + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"pk\": ");
        var answer = await raw.ReadUntilAsync("}");

        Assert.NotNull(answer);
        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("server.limits.body_timeout", answer, StringComparison.Ordinal);
        Assert.True(await raw.ClosedByServerAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task OneAddressHoldsAtMostItsShareOfUnverifiedPlaces()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ min_body_rate: 0, body_timeout: 5m, max_unverified_per_client: 2 }"));
        var connections = new List<RawHttp>();
        try
        {
            var answers = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                var raw = await RawHttp.ConnectAsync(bridge.Client.BaseAddress!, IPAddress.Parse("127.0.2.1"));
                connections.Add(raw);
                await raw.SendAsync("POST /hooks/signed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\nX-Signature: 00\r\nExpect: 100-continue\r\n\r\n");
                answers.Add(await raw.ReadUntilAsync("\r\n\r\n") ?? "closed");
            }
            var other = await RawHttp.ConnectAsync(bridge.Client.BaseAddress!, IPAddress.Parse("127.0.2.2"));
            connections.Add(other);
            await other.SendAsync("POST /hooks/signed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\nX-Signature: 00\r\nExpect: 100-continue\r\n\r\n");
            var fromOther = await other.ReadUntilAsync("\r\n\r\n");

            Assert.StartsWith("HTTP/1.1 100", answers[0], StringComparison.Ordinal);
            Assert.StartsWith("HTTP/1.1 100", answers[1], StringComparison.Ordinal);
            Assert.StartsWith("HTTP/1.1 429", answers[2], StringComparison.Ordinal);
            Assert.StartsWith("HTTP/1.1 100", fromOther, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var raw in connections) raw.Dispose();
        }
    }
}
