using System.Net;
using System.Text;
using System.Text.Json;
using Bridge.Tests.Support;
using static Bridge.Tests.Ingest.Auth.AuthTestKit;

namespace Bridge.Tests.Ingest.Auth;

/// <summary>Signed senders over a real socket: the exact bytes are verified, replays and stale messages refused, events delivered.</summary>
public sealed class SignedHookTests
{
    private const string Config = """
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            timeout: 2s
            retry: { schedule: [0s, 10ms] }
        sources:
          github:
            format: json
            action_field: action
            auth:
              github: { secret: "${GITHUB_SECRET}" }
          svix:
            format: json
            auth:
              standard_webhooks: { secret: "${SW_SECRET}" }
          basic:
            format: json
            auth:
              basic: { user: authentik, password: "${BASIC_PASSWORD}" }
        rules:
          - name: all
            mapping: echo.js
            topic: hooks
        """;

    private static readonly Dictionary<string, string> Secrets = new()
    {
        ["GITHUB_SECRET"] = GitHubSecret,
        ["SW_SECRET"] = StandardSecret,
        ["BASIC_PASSWORD"] = "pw-4e8a0c1b9d",
    };

    private static readonly Dictionary<string, string> Mappings = new()
    {
        ["echo.js"] = "function map(event, ctx) { return { title: event.source, message: JSON.stringify(event.raw) }; }",
    };

    [Fact]
    public async Task AGitHubSignedBodyIsAcceptedAndDelivered()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, Mappings, options: new TestHostOptions(Environment: Secrets));
        const string body = "{\"action\": \"opened\", \"number\": 7}";

        using var response = await bridge.PostRawAsync("/hooks/github", Encoding.UTF8.GetBytes(body), ("X-Hub-Signature-256", GitHubSign(GitHubSecret, body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal("github", message.Text("title"));
        Assert.Contains("\"number\":7", message.Text("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGitHubSignatureOverOtherBytesIsUnauthorized()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config, mappings: Mappings, options: new TestHostOptions(Environment: Secrets));
        const string signed = "{\"action\": \"opened\"}";

        // Same JSON, different bytes: the signature covers the bytes, not the meaning.
        using var response = await bridge.PostRawAsync("/hooks/github", Encoding.UTF8.GetBytes("{\"action\":\"opened\"}"), ("X-Hub-Signature-256", GitHubSign(GitHubSecret, signed)));

        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "X-Hub-Signature-256 does not match");
        Assert.DoesNotContain(GitHubSign(GitHubSecret, signed)[7..], problem, StringComparison.Ordinal);
        Assert.Empty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task TheStandardWebhooksVectorIsTakenOnceAndItsReplayRefused()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var clock = ClockAt(StandardTimestamp);
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, Mappings, new TestHostOptions(Time: clock, Environment: Secrets));
        var body = Encoding.UTF8.GetBytes(StandardBody);

        using var first = await bridge.PostRawAsync("/hooks/svix", body, StandardHeaders(StandardSignature));
        using var replay = await bridge.PostRawAsync("/hooks/svix", body, StandardHeaders(StandardSignature));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await AssertProblemAsync(replay, HttpStatusCode.Conflict, $"webhook-id '{StandardId}' was already received");
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Contains("2432232314", message.Text("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStandardWebhooksMessageOlderThanTheToleranceIsUnauthorized()
    {
        var clock = ClockAt(StandardTimestamp);
        await using var bridge = await BridgeTestHost.StartAsync(Config, mappings: Mappings, options: new TestHostOptions(Time: clock, Environment: Secrets));
        clock.Advance(TimeSpan.FromMinutes(6));

        using var response = await bridge.PostRawAsync("/hooks/svix", Encoding.UTF8.GetBytes(StandardBody), StandardHeaders(StandardSignature));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "webhook-timestamp is 360 s in the past, outside the 300 s tolerance");
    }

    [Fact]
    public async Task AMessageRefusedForItsBodyCanBeRetriedWithTheSameId()
    {
        var clock = ClockAt(StandardTimestamp);
        await using var bridge = await BridgeTestHost.StartAsync(Config, mappings: Mappings, options: new TestHostOptions(Time: clock, Environment: Secrets));
        const string notAnObject = "[1, 2]";
        var headers = StandardHeaders(StandardSign(StandardSecret, "msg_retry", StandardTimestamp, notAnObject), "msg_retry");

        using var first = await bridge.PostRawAsync("/hooks/svix", Encoding.UTF8.GetBytes(notAnObject), headers);
        using var second = await bridge.PostRawAsync("/hooks/svix", Encoding.UTF8.GetBytes(notAnObject), headers);

        await AssertProblemAsync(first, HttpStatusCode.BadRequest, "must be a JSON object");
        await AssertProblemAsync(second, HttpStatusCode.BadRequest, "must be a JSON object");
    }

    [Fact]
    public async Task BasicCredentialsOverTheWireAreChecked()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config, mappings: Mappings, options: new TestHostOptions(Environment: Secrets));
        var good = Convert.ToBase64String(Encoding.UTF8.GetBytes("authentik:pw-4e8a0c1b9d"));
        var bad = Convert.ToBase64String(Encoding.UTF8.GetBytes("authentik:guess"));

        using var accepted = await bridge.PostRawAsync("/hooks/basic", "{}"u8.ToArray(), ("Authorization", "Basic " + good));
        using var refused = await bridge.PostRawAsync("/hooks/basic", "{}"u8.ToArray(), ("Authorization", "Basic " + bad));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "wrong user or password");
        Assert.Equal("Basic", refused.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task AnUnauthenticatedRequestIsRefusedBeforeItsBodyIsJudged()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config, mappings: Mappings, options: new TestHostOptions(Environment: Secrets));

        using var response = await bridge.PostRawAsync("/hooks/github", "not json at all"u8.ToArray());

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "missing credentials: send 'X-Hub-Signature-256");
    }

    [Fact]
    public async Task NoSecretOfAnyMethodReachesTheLog()
    {
        var clock = ClockAt(StandardTimestamp);
        await using var bridge = await BridgeTestHost.StartAsync(Config, mappings: Mappings, options: new TestHostOptions(Time: clock, Environment: Secrets));
        const string body = "{\"action\": \"opened\"}";
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("authentik:pw-4e8a0c1b9d"));

        (await bridge.PostRawAsync("/hooks/github", Encoding.UTF8.GetBytes(body), ("X-Hub-Signature-256", GitHubSign(GitHubSecret, body)))).Dispose();
        (await bridge.PostRawAsync("/hooks/github", Encoding.UTF8.GetBytes(body), ("X-Hub-Signature-256", GitHubSign("wrong", body)))).Dispose();
        (await bridge.PostRawAsync("/hooks/svix", Encoding.UTF8.GetBytes(StandardBody), StandardHeaders(StandardSignature))).Dispose();
        (await bridge.PostRawAsync("/hooks/svix", Encoding.UTF8.GetBytes(StandardBody), StandardHeaders(StandardSignature))).Dispose();
        (await bridge.PostRawAsync("/hooks/basic", "{}"u8.ToArray(), ("Authorization", "Basic " + basic))).Dispose();
        (await bridge.PostRawAsync("/hooks/basic", "{}"u8.ToArray(), ("Authorization", "Basic eDp5"))).Dispose();
        // The first refusal from an address has its own line; the others are summarised a minute later.
        clock.Advance(Bridge.Ingest.Limits.RefusalLog.Period);
        await bridge.Logs.WaitForMessageAsync("wrong user or password for source 'basic'");

        var log = bridge.Logs.AllText();
        Assert.Contains("Refused a hook for \"github\"", log, StringComparison.Ordinal);
        foreach (var secret in new[] { GitHubSecret, StandardSecret, StandardSecret["whsec_".Length..], "pw-4e8a0c1b9d", basic, StandardSignature[3..], GitHubSign(GitHubSecret, body)[7..] })
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
    }

    private static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains(detailContains, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        return text;
    }
}
