using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bridge.Tests.Support;
using Serilog.Events;

namespace Bridge.Tests.Configuration;

/// <summary>Editing a mapping or the config while the real host runs: good edits take effect, bad ones are refused.</summary>
public sealed class HotReloadTests
{
    private const string Config = """
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            retry: { schedule: [0s, 10ms] }
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - name: logins
            match: { action: login }
            mapping: live.js
            topic: first
        """;

    private static string Mapping(string title) => $"function map(event) {{\n  return {{ title: '{title}' }};\n}}\n";

    [Fact]
    public async Task AnEditedMappingTakesEffectAndABrokenOneIsRefusedWhileTheLastGoodOneKeepsRunning()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, new Dictionary<string, string> { ["live.js"] = Mapping("v1") });
        var mapping = Path.Combine(bridge.Directory, "mappings", "live.js");

        Assert.Equal("v1", await SendLoginAsync(bridge, ntfy));

        var reloaded = NextLog(bridge, e => e.Level == LogEventLevel.Information && e.RenderMessage().StartsWith("Configuration reloaded", StringComparison.Ordinal));
        await File.WriteAllTextAsync(mapping, Mapping("v2"));
        await reloaded;
        Assert.Equal("v2", await SendLoginAsync(bridge, ntfy));

        // An editor's half-written file may be refused first for another reason: wait for the syntax error itself.
        var rejected = NextLog(bridge, e => e.RenderMessage().Contains("Reload problem", StringComparison.Ordinal) && e.RenderMessage().Contains("live.js:4", StringComparison.Ordinal));
        await File.WriteAllTextAsync(mapping, "function map(event) {\n  return { title: 'v3' \n}\n}}");
        var problem = (await rejected).RenderMessage();
        // The syntax error names file, line and column, as at start-up.
        Assert.Matches(@"rules\[0\]\.mapping: live\.js:4:2: ", problem);
        Assert.Equal("v2", await SendLoginAsync(bridge, ntfy));
    }

    [Fact]
    public async Task AnEditedConfigChangesTheRulesAndAnInvalidOneIsRefused()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, new Dictionary<string, string> { ["live.js"] = Mapping("same") });
        var config = Path.Combine(bridge.Directory, "bridge.yaml");

        var reloaded = NextLog(bridge, e => e.RenderMessage().StartsWith("Configuration reloaded", StringComparison.Ordinal));
        await File.WriteAllTextAsync(config, Config.Replace("topic: first", "topic: second", StringComparison.Ordinal));
        await reloaded;
        Assert.Equal("second", await SendLoginTopicAsync(bridge, ntfy));

        var rejected = NextLog(bridge, e => e.RenderMessage().Contains("Reload problem", StringComparison.Ordinal) && e.RenderMessage().Contains("client_ip", StringComparison.Ordinal));
        await File.WriteAllTextAsync(config, Config.Replace("match: { action: login }", "match: { action: login, client_ip: 10.0.0.300/8 }", StringComparison.Ordinal));
        Assert.Contains("rules[0].match.client_ip", (await rejected).RenderMessage(), StringComparison.Ordinal);
        Assert.Equal("second", await SendLoginTopicAsync(bridge, ntfy));
    }

    /// <summary>Waits for a log event logged from now on (earlier ones with the same text do not count).</summary>
    private static Task<LogEvent> NextLog(BridgeTestHost bridge, Func<LogEvent, bool> predicate)
    {
        var earlier = bridge.Logs.Events.ToHashSet();
        return bridge.Logs.WaitForAsync(e => !earlier.Contains(e) && predicate(e));
    }

    /// <summary>The admin login fixture with a fresh event id: the same event sent twice would be de-duplicated.</summary>
    private static byte[] FreshLogin()
    {
        var login = JsonNode.Parse(TestPaths.ReadAuthentikPayload("event-login-admin.json"))!;
        login["event"]!["pk"] = Guid.NewGuid().ToString("N");
        return Encoding.UTF8.GetBytes(login.ToJsonString());
    }

    private static async Task<string> SendLoginAsync(BridgeTestHost bridge, FakeNtfy ntfy)
    {
        using var response = await bridge.PostHookAsync("authentik", FreshLogin());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return Assert.Single(await ntfy.WaitForMessagesAsync(1)).Text("title")!;
    }

    private static async Task<string> SendLoginTopicAsync(BridgeTestHost bridge, FakeNtfy ntfy)
    {
        using var response = await bridge.PostHookAsync("authentik", FreshLogin());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return Assert.Single(await ntfy.WaitForMessagesAsync(1)).Topic;
    }
}
