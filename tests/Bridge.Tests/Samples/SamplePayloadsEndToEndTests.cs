using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bridge.Tests.Support;

namespace Bridge.Tests.Samples;

/// <summary>
/// Every payload in <c>samples/payloads/</c> posted to the running bridge, on the sample config a user starts from,
/// and the messages that reach a fake ntfy: what someone trying the samples on their first evening will see.
/// </summary>
public sealed class SamplePayloadsEndToEndTests
{
    /// <summary>Each Authentik sample → the sample config's rule it matches and the title of its push; null: nothing sent.</summary>
    private static readonly Dictionary<string, (string Rule, string Title)?> Authentik = new(StringComparer.Ordinal)
    {
        ["bare-event-secret-view.json"] = null,                       // notice-level, no rule for secret_view
        ["default-body-login-failed.json"] = ("failed-login", "Failed login: alice.admin"),   // no groups in the default body
        ["default-body-model-created.json"] = null,                   // the default body names no model
        ["default-body-test-notification.json"] = ("transport-test", "Authentik can reach you"),
        ["default-body-update-available.json"] = null,                // "New version … available!": no action to read
        ["event-authorize-during-impersonation.json"] = null,
        ["event-configuration-error.json"] = ("configuration-error", "Authentik configuration error"),
        ["event-impersonation-ended.json"] = ("impersonation", "Impersonation ended: alice.admin"),
        ["event-impersonation-started.json"] = ("impersonation", "Impersonation started: alice.admin"),
        ["event-login-admin.json"] = ("admin-login", "Admin login: alice.admin"),
        ["event-login-failed-unknown-user.json"] = ("failed-login", "Failed login: root"),
        ["event-login-failed.json"] = ("admin-failed-login", "Failed admin login: alice.admin"),
        ["event-login-ipv6.json"] = null,                             // a non-admin login at notice level
        ["event-login-user.json"] = ("other-alerts", "Login: bob"),   // alert-level: the catch-all, default mapping
        ["event-model-created.json"] = null,                          // an application, not a user or group
        ["event-model-updated-with-diff.json"] = ("user-group-changes", "User updated: bob"),
        ["event-password-set.json"] = null,
        ["event-update-available.json"] = ("updates", "Authentik 2026.2.1 is available"),
        ["slack-login-failed.json"] = ("failed-login", "Failed login: alice.admin"),   // Slack mode names no groups
        ["slack-test-notification.json"] = ("transport-test", "Authentik can reach you"),
        ["slack-update-available.json"] = ("updates", "Authentik 2026.2.1 is available"),
    };

    private const string GenericConfig = """
        destinations:
          ntfy: { url: "${NTFY_URL}", token: "${NTFY_TOKEN}" }
        sources:
          github: { format: json, token: "${HOOK_TOKEN}" }
          uptime: { format: json, action_field: heartbeat.status, token: "${HOOK_TOKEN}" }
        rules:
          - { name: pushes, source: github, mapping: github-push.js, topic: code }
          - { name: uptime, source: uptime, mapping: uptime-kuma.js, topic: uptime }
        """;

    [Fact]
    public void EveryAuthentikSamplePayloadHasAnExpectation()
    {
        var files = Directory.GetFiles(Path.Combine(TestPaths.Samples, "payloads", "authentik"), "*.json").Select(Path.GetFileName).Order();

        Assert.Equal(Authentik.Keys.Order(), files);
    }

    [Fact]
    public async Task EveryAuthentikSamplePayloadGivesItsMessageOnTheSampleConfig()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var sample = await File.ReadAllTextAsync(Path.Combine(TestPaths.Samples, "bridge.yaml"));
        await using var bridge = await BridgeTestHost.StartAsync(sample, ntfy,
            options: new TestHostOptions(Environment: new Dictionary<string, string> { ["BRIDGE_HOOK_TOKEN"] = BridgeTestHost.HookToken }));

        foreach (var (file, expected) in Authentik.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            // Slack mode sends no headers: its token can only be in the URL.
            using var response = file.StartsWith("slack-", StringComparison.Ordinal)
                ? await bridge.PostRawAsync($"/hooks/authentik?token={BridgeTestHost.HookToken}", TestPaths.ReadAuthentikPayload(file), ("Content-Type", "application/json"))
                : await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload(file));
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{file}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var matched = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matched").EnumerateArray().Select(m => m.GetString()).ToList();
            Assert.True(matched.SequenceEqual(expected is { } e ? [e.Rule] : []), $"{file} matched [{string.Join(", ", matched)}]");
        }

        var wanted = Authentik.Values.OfType<(string Rule, string Title)>().Select(e => e.Title).Order().ToList();
        var published = await ntfy.WaitForMessagesAsync(wanted.Count);
        Assert.Equal(wanted, published.Select(m => m.Text("title")!).Order());
        Assert.All(published, m => Assert.StartsWith("authentik", m.Topic, StringComparison.Ordinal));
    }

    /// <summary>Each generic sample: the source it is posted to, its file, and the topic and title of its push.</summary>
    public static TheoryData<string, string, string, string> Generic => new()
    {
        { "github", "github/push.json", "code", "acme/api: 2 commits to main" },
        { "uptime", "uptime-kuma/monitor-down.json", "uptime", "Grafana is down" },
        { "uptime", "uptime-kuma/monitor-up.json", "uptime", "Grafana is up" },
    };

    [Theory]
    [MemberData(nameof(Generic))]
    public async Task EveryGenericSamplePayloadGivesItsMessage(string source, string payload, string topic, string title)
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(GenericConfig, ntfy);

        using var response = await bridge.PostHookAsync(source, await File.ReadAllBytesAsync(Path.Combine(TestPaths.Samples, "payloads", payload)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal((topic, title), (message.Topic, message.Text("title")));
    }

    [Fact]
    public void EveryGenericSamplePayloadIsPosted()
    {
        var files = Directory.GetFiles(Path.Combine(TestPaths.Samples, "payloads"), "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(TestPaths.Samples, "payloads"), f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("authentik/", StringComparison.Ordinal))
            .Order();
        var posted = Generic.Select(row => (string)row[1]).Order();

        Assert.Equal(posted, files);
    }
}
