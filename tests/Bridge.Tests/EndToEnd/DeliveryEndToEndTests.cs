using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bridge.Tests.Support;
using Serilog.Events;

namespace Bridge.Tests.EndToEnd;

/// <summary>Authentik payloads in over a real socket, ntfy messages out to a fake ntfy that checks what ntfy checks.</summary>
public sealed class DeliveryEndToEndTests
{
    [Fact]
    public async Task AdminLoginReachesTheRuleTopicWithTheExactBearerHeader()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);

        using var response = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal("gauth", message.Topic);
        Assert.Equal("Bearer " + ntfy.Token, message.Authorization);
        Assert.Contains("alice.admin", message.Text("title") + message.Text("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonAdminLoginSendsNothing()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);

        using var userLogin = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-user.json"));
        var body = await userLogin.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Accepted, userLogin.StatusCode);
        Assert.Equal(0, body.GetProperty("matched").GetArrayLength());
        Assert.Contains("authentik Admins", body.GetProperty("not_matched").GetProperty("admin-login").GetString(), StringComparison.Ordinal);

        // Events are processed in order, so once the admin login that follows arrives, the user login has been
        // processed too: if it had produced a message, ntfy would have it first.
        using var adminLogin = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));
        var only = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Contains("alice.admin", only.Json.GetRawText(), StringComparison.Ordinal);
        Assert.Single(ntfy.Published);
    }

    [Fact]
    public async Task DefaultTransportBodyIsDeliveredWithTheBuiltInMapping()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);

        using var response = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("default-body-login-failed.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal("failures", message.Topic);
        Assert.Equal(4, message.Json.GetProperty("priority").GetInt32());
        Assert.Contains("alice.admin", message.Json.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoServiceUnavailableAnswersThenSuccessDeliversExactlyOnce()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);
        ntfy.FailNext(503, times: 2);

        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        Assert.Single(await ntfy.WaitForMessagesAsync(1));
        var delivered = await bridge.Logs.WaitForMessageAsync("Delivered message");
        Assert.Equal("3", delivered.Properties["Attempts"].ToString());
        Assert.Equal(3, ntfy.Requests);
        Assert.Single(ntfy.Published);
    }

    [Fact]
    public async Task BadRequestFromNtfyIsNotRetriedAndItsCodeIsLogged()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);
        ntfy.FailNext(400, code: 40009, error: "invalid request: topic invalid");

        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        var rejected = await bridge.Logs.WaitForMessageAsync("ntfy rejected message");
        Assert.Equal("40009", rejected.Properties["NtfyCode"].ToString());
        Assert.Contains("topic invalid", rejected.RenderMessage(), StringComparison.Ordinal);
        Assert.Equal(1, ntfy.Requests);
        Assert.Empty(ntfy.Published);
    }

    [Fact]
    public async Task UnreachableNtfyIsRetriedThenReportedAsFailed()
    {
        // A port that was just free: nothing listens there, so every attempt is a connection error.
        var ntfy = await FakeNtfy.StartAsync();
        await ntfy.DisposeAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin.Replace("${NTFY_URL:-}", ntfy.Url.ToString(), StringComparison.Ordinal), ntfy: null);

        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        var failed = await bridge.Logs.WaitForMessageAsync("Gave up on message");
        Assert.Equal("4", failed.Properties["Attempts"].ToString());
        Assert.Contains("connection failed", failed.RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoopingMappingIsStoppedWhileTheServiceKeepsServing()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        // The loop ends on max_statements (the default 100,000), long before the roomy timeout.
        var config = EndToEndConfigs.AdminLogin + """

              - name: loops
                match: { action: login }
                mapping: loop.js
                topic: loops
            """;
        await using var bridge = await BridgeTestHost.StartAsync(config, ntfy,
            new Dictionary<string, string> { ["loop.js"] = "function map(event, ctx) { while (true) {} }" });

        using var first = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));
        using var second = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("default-body-login-failed.json"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var error = await bridge.Logs.WaitForMessageAsync("Mapping error for event");
        Assert.Contains("loop.js", error.RenderMessage(), StringComparison.Ordinal);
        // The admin-login rule's message for the first event and the failed login's both still arrive.
        var topics = (await ntfy.WaitForMessagesAsync(2)).Select(m => m.Topic).Order().ToArray();
        Assert.Equal(["failures", "gauth"], topics);
        using var health = await bridge.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task GracefulShutdownAfterDeliveryLogsNoErrors()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);
        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));
        await ntfy.WaitForMessagesAsync(1);

        await bridge.StopAsync();

        Assert.Empty(bridge.Logs.Events.Where(e => e.Level >= LogEventLevel.Warning).Select(e => e.RenderMessage()));
    }

    [Fact]
    public async Task DryRunDestinationLogsTheExactJsonInsteadOfSending()
    {
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin);

        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        var dryRun = await bridge.Logs.WaitForMessageAsync("Dry-run");
        var json = JsonDocument.Parse((string)((ScalarValue)dryRun.Properties["MessageJson"]).Value!).RootElement;
        Assert.Equal("gauth", json.GetProperty("topic").GetString());
        Assert.DoesNotContain(bridge.Logs.Events, e => e.RenderMessage().StartsWith("Delivered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoConfiguredSecretEverReachesTheLog()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);
        ntfy.FailNext(401, code: 40101, error: "unauthorized");

        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));
        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"), token: "wrong-token");
        using var viaQuery = await bridge.Client.PostAsync($"/hooks/authentik?token={BridgeTestHost.HookToken}",
            new ByteArrayContent(TestPaths.ReadAuthentikPayload("default-body-login-failed.json")));
        Assert.Equal(HttpStatusCode.Accepted, viaQuery.StatusCode);
        // ntfy's 401 pauses the destination, and that log line names the problem without the token.
        await bridge.Logs.WaitForMessageAsync("PAUSED destination");

        var log = bridge.Logs.AllText();
        Assert.Contains("/hooks/authentik", log, StringComparison.Ordinal);
        Assert.DoesNotContain(BridgeTestHost.HookToken, log, StringComparison.Ordinal);
        Assert.DoesNotContain(ntfy.Token!, log, StringComparison.Ordinal);
    }
}
