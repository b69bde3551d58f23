using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bridge.Configuration;
using Bridge.Delivery;
using Bridge.Tests.Support;
using Serilog.Events;

namespace Bridge.Tests.Delivery;

/// <summary>A reload that leaves a destination alone leaves its sender and its state alone; a changed one gets a new sender and the old one is disposed.</summary>
public sealed class DestinationReloadTests
{
    // A retry schedule and trusted proxies: lists, which compared by reference made every reload look like a change.
    private const string Config = """
        server:
          trusted_proxies: [10.9.9.9]
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            timeout: 2s
            retry: { schedule: [0s, 10ms] }
        sources:
          authentik:
            token: ${HOOK_TOKEN}
        rules:
          - name: logins
            match: { action: login }
            topic: logins
        """;

    [Fact]
    public async Task AReloadOfAnUnchangedConfigKeepsTheDestinationsSenderAndItsConnection()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy);
        var first = await SendLoginAsync(bridge, ntfy);

        var since = bridge.Logs.Events.Count;
        await ReloadAsync(bridge, Config + "\n# touched, nothing changed\n");
        var second = await SendLoginAsync(bridge, ntfy);

        // A new sender would have opened a new connection.
        Assert.Equal(first.Connection, second.Connection);
        Assert.DoesNotContain(bridge.Logs.Events.Skip(since), e => e.Level >= LogEventLevel.Warning);
    }

    [Fact]
    public async Task AReloadThatChangesOnlyTheAdminTokenAsksForNoRestartAndOneThatChangesTheUrlsNamesThem()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy);

        var since = bridge.Logs.Events.Count;
        await ReloadAsync(bridge, Config.Replace("server:\n", "server:\n  admin_token: tk_admin_admin_admin_admin\n", StringComparison.Ordinal));
        Assert.DoesNotContain(bridge.Logs.Events.Skip(since), e => e.RenderMessage().Contains("until a restart", StringComparison.Ordinal));

        since = bridge.Logs.Events.Count;
        await ReloadAsync(bridge, Config.Replace("trusted_proxies: [10.9.9.9]", "trusted_proxies: [10.9.9.8]", StringComparison.Ordinal));
        var warning = Assert.Single(bridge.Logs.Events.Skip(since), e => e.RenderMessage().Contains("until a restart", StringComparison.Ordinal));
        Assert.Contains("server.trusted_proxies", warning.RenderMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain("server.urls", warning.RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChangedDestinationGetsANewSenderAndTheOldOneIsDisposed()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy);
        var first = await SendLoginAsync(bridge, ntfy);

        await ReloadAsync(bridge, Config.Replace("timeout: 2s", "timeout: 3s", StringComparison.Ordinal));

        // Disposing the old client closes its pooled connection.
        await ntfy.WaitForClosedAsync(first.Connection);
        var second = await SendLoginAsync(bridge, ntfy);
        Assert.NotEqual(first.Connection, second.Connection);
    }

    [Fact]
    public async Task APausedDestinationReadAgainUnchangedWaitsForItsProbeAndOneWithANewTokenIsProbedAtOnce()
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var health = new DestinationHealth("ntfy", new Bridge.Storage.LocalDestinationStates(), "a");
        health.Started();
        await health.RefusedAsync(now, Destination(Config), "HTTP 401", TimeSpan.Zero, default);

        Assert.Equal((0, health.NextProbeAt), await health.AllowanceAsync(now, Destination(Config), DestinationConfig.DefaultMaxInFlight, default));
        Assert.Equal(1, (await health.AllowanceAsync(now, Destination(Config.Replace("${NTFY_TOKEN:-}", "tk_fixedfixedfixedfixedfixed1", StringComparison.Ordinal)), 4, default)).Slots);
    }

    private static DestinationConfig Destination(string yaml)
    {
        var result = ConfigLoader.Load(yaml, "/etc/bridge/bridge.yaml", "/etc/bridge", new EnvInterpolator(name => name == "HOOK_TOKEN" ? BridgeTestHost.HookToken : null));
        Assert.Empty(result.Errors);
        return result.Config!.Destinations["ntfy"];
    }

    private static async Task ReloadAsync(BridgeTestHost bridge, string yaml)
    {
        var earlier = bridge.Logs.Events.ToHashSet();
        var reloaded = bridge.Logs.WaitForAsync(e => !earlier.Contains(e) && e.RenderMessage().StartsWith("Configuration reloaded", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(bridge.Directory, "bridge.yaml"), yaml);
        await reloaded;
    }

    private static async Task<PublishedMessage> SendLoginAsync(BridgeTestHost bridge, FakeNtfy ntfy)
    {
        // A fresh event id each time: the same event twice would be de-duplicated.
        var login = JsonNode.Parse(TestPaths.ReadAuthentikPayload("event-login-admin.json"))!;
        login["event"]!["pk"] = Guid.NewGuid().ToString("N");
        using var response = await bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(login.ToJsonString()));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return Assert.Single(await ntfy.WaitForMessagesAsync(1));
    }
}
