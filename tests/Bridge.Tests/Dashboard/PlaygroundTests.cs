using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bridge.MappingTests;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bridge.Tests.Dashboard;

/// <summary>The playground's API over a real socket: a run sends nothing, its case passes <c>bridge test</c>, a send needs its topic twice.</summary>
public sealed class PlaygroundTests
{
    private static readonly string Config = EndToEndConfigs.AdminLogin + "\nserver: { admin_token: admin-3f1a, public_url: \"https://bridge.example.com\" }\n";

    private static HttpRequestMessage Post(string path, object body) => new(HttpMethod.Post, path)
    {
        Content = JsonContent.Create(body),
        Headers = { Authorization = new("Bearer", "admin-3f1a") },
    };

    [Fact]
    public async Task ARunSendsNothingAndItsCaseFilePassesBridgeTest()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy);
        var id = $"{21:x32}";
        await bridge.PostHookAsync("authentik", DashboardAccessTests.LoginCarrying(id, "nothing secret"));
        await ntfy.WaitForMessagesAsync(1);

        var response = await bridge.Client.SendAsync(Post("/api/playground/run", new { mapping = "admin-login.js", @event = id }));
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Assert.Single(result.GetProperty("messages").EnumerateArray());
        Assert.Equal("Admin login: alice.admin", message.GetProperty("title").GetString());
        Assert.Equal($"https://bridge.example.com/admin/events/{id}", message.GetProperty("click").GetString());
        Assert.Single(ntfy.Published);
        var yaml = result.GetProperty("test_case").GetString()!;
        var file = MappingTestReader.Parse(yaml, Path.Combine(bridge.Directory, "mappings", "tests", "playground.yaml"));
        Assert.Empty(file.Problems);
        var outcome = new MappingTestRunner(null, Path.Combine(bridge.Directory, "mappings")).Run(Assert.Single(file.Cases));
        Assert.True(outcome.Passed, string.Join("\n", outcome.Mismatches.Select(m => m.ToString()).Concat(outcome.Problems)) + "\n" + yaml);
    }

    [Fact]
    public async Task AThrottledRulesDigestRunsWithCtxThrottleAndItsCaseFilePassesBridgeTest()
    {
        var config = Config.Replace("topic: failures", "topic: failures\n    throttle: { max: 5, per: 10m, by: [user.username] }", StringComparison.Ordinal);
        await using var bridge = await BridgeTestHost.StartAsync(config);
        var body = File.ReadAllText(TestPaths.AuthentikPayload("event-login-failed.json"));

        var response = await bridge.Client.SendAsync(Post("/api/playground/run", new { rule = "failed-login", source = "authentik", body, digest = true }));
        var refused = await bridge.Client.SendAsync(Post("/api/playground/run", new { rule = "admin-login", source = "authentik", body, digest = true }));
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var message = Assert.Single(result.GetProperty("messages").EnumerateArray());
        Assert.Equal("Failed login: alice.admin (+1 held)", message.GetProperty("title").GetString());
        var yaml = result.GetProperty("test_case").GetString()!;
        Assert.Contains("    digest: true\n", yaml, StringComparison.Ordinal);
        var file = MappingTestReader.Parse(yaml, Path.Combine(bridge.Directory, "mappings", "tests", "playground.yaml"));
        var runtime = bridge.Services.GetRequiredService<Bridge.Configuration.LiveRuntime>().Current;
        var outcome = new MappingTestRunner(runtime, Path.Combine(bridge.Directory, "mappings")).Run(Assert.Single(file.Cases));
        Assert.True(outcome.Passed, string.Join("\n", outcome.Mismatches.Select(m => m.ToString()).Concat(outcome.Problems)) + "\n" + yaml);
    }

    [Fact]
    public async Task AnEditedScriptsSyntaxErrorHasItsLineAndColumn()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config);

        var response = await bridge.Client.SendAsync(Post("/api/playground/run", new
        {
            rule = "admin-login",
            body = "{\"event\": {\"action\": \"login\", \"user\": {\"username\": \"bob\"}}}",
            script = "function map(event, ctx) {\n  return { title: };\n}\n",
        }));
        var error = Assert.Single(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").EnumerateArray());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Equal(19, error.GetProperty("column").GetInt32());
    }

    [Fact]
    public async Task SendAsTestGoesOnlyToATopicNamedTwiceAndIsRecordedAsATestEvent()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy);
        var body = "{\"event\": {\"action\": \"login\", \"user\": {\"username\": \"bob\", \"groups\": [\"authentik Admins\"]}}}";

        var unconfirmed = await bridge.Client.SendAsync(Post("/api/playground/send", new { rule = "admin-login", body, topic = "playground-check" }));
        var sent = await bridge.Client.SendAsync(Post("/api/playground/send", new { rule = "admin-login", body, topic = "playground-check", confirm_topic = "playground-check" }));
        var answer = JsonDocument.Parse(await sent.Content.ReadAsStringAsync()).RootElement;
        var delivered = Assert.Single(await ntfy.WaitForMessagesAsync(1));

        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        Assert.Equal("playground-check", delivered.Topic);
        Assert.StartsWith("test-", answer.GetProperty("event").GetString(), StringComparison.Ordinal);
        using var stored = new HttpRequestMessage(HttpMethod.Get, $"/api/events/{answer.GetProperty("event").GetString()}") { Headers = { Authorization = new("Bearer", "admin-3f1a") } };
        var detail = JsonDocument.Parse(await (await bridge.Client.SendAsync(stored)).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(PlaygroundEndpointsTestRule, Assert.Single(detail.GetProperty("messages").EnumerateArray()).GetProperty("rule").GetString());
    }

    private const string PlaygroundEndpointsTestRule = Bridge.Dashboard.PlaygroundEndpoints.TestRule;
}
