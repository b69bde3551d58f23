using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Observability;

/// <summary><c>/metrics</c> after known traffic: every family the docs list, with the labels and values that traffic makes.</summary>
public sealed class MetricsTests
{
    private static byte[] AdminLogin(int i)
    {
        var node = JsonNode.Parse(TestPaths.ReadAuthentikPayload("event-login-admin.json"))!;
        node["event"]!["pk"] = $"{i:x32}";
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    [Fact]
    public async Task AScrapeAfterKnownTrafficCountsEachOutcomeWithBoundedLabels()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);
        ntfy.FailNext(503);
        Assert.Equal(HttpStatusCode.Accepted, (await bridge.PostHookAsync("authentik", AdminLogin(1))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await bridge.PostHookAsync("authentik", AdminLogin(1))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bridge.PostHookAsync("authentik", AdminLogin(2), token: "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bridge.PostHookAsync("user-chosen-name", AdminLogin(3))).StatusCode);
        await ntfy.WaitForMessagesAsync(1);
        await bridge.Logs.WaitForMessageAsync("Delivered message");

        var response = await bridge.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        var samples = PrometheusText.Parse(text);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        Assert.Equal(1, samples.Value("bridge_events_received_total", ("source", "authentik"), ("outcome", "accepted"), ("status", "202")));
        Assert.Equal(1, samples.Value("bridge_events_received_total", ("source", "authentik"), ("outcome", "duplicate"), ("status", "202")));
        Assert.Equal(1, samples.Value("bridge_events_received_total", ("source", "authentik"), ("outcome", "refused"), ("status", "401")));
        Assert.Equal(1, samples.Value("bridge_events_received_total", ("source", "(unknown)"), ("outcome", "refused"), ("status", "404")));
        Assert.Equal(3, samples.Value("bridge_ingest_duration_seconds_count", ("source", "authentik")));
        Assert.Equal(1, samples.Value("bridge_rule_matches_total", ("rule", "admin-login")));
        Assert.Equal(1, samples.Value("bridge_mapping_duration_seconds_count", ("rule", "admin-login")));
        Assert.Equal(1, samples.Value("bridge_delivery_attempts_total", ("destination", "ntfy"), ("outcome", "failed")));
        Assert.Equal(1, samples.Value("bridge_delivery_attempts_total", ("destination", "ntfy"), ("outcome", "delivered")));
        Assert.Equal(1, samples.Value("bridge_deliveries_total", ("destination", "ntfy"), ("outcome", "delivered")));
        Assert.Equal(1, samples.Value("bridge_messages", ("destination", "ntfy"), ("state", "delivered")));
        Assert.Equal(0, samples.Value("bridge_messages", ("destination", "ntfy"), ("state", "dead")));
        Assert.Equal(0, samples.Value("bridge_unprocessed_events"));
        Assert.Equal(1, samples.Value("bridge_destination_state", ("destination", "ntfy"), ("state", "healthy")));
        Assert.Equal(0, samples.Value("bridge_destination_state", ("destination", "ntfy"), ("state", "paused")));
        Assert.True(samples.Value("bridge_store_commit_duration_seconds_count") >= 3, "the event, its messages and two attempts were committed");
        Assert.DoesNotContain("user-chosen-name", text, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminLoginUser, text, StringComparison.Ordinal);
        Assert.DoesNotContain($"{1:x32}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMappingThatFailsCountsAnErrorAndADeadLetter()
    {
        var config = EndToEndConfigs.AdminLogin.Replace("mapping: admin-login.js", "mapping: broken.js", StringComparison.Ordinal);
        await using var bridge = await BridgeTestHost.StartAsync(config, mappings: new Dictionary<string, string>
        {
            ["broken.js"] = "function map(event, ctx) {\n  return { title: event.nothing.here };\n}",
        });
        await bridge.PostHookAsync("authentik", AdminLogin(4));
        await bridge.Logs.WaitForMessageAsync("Processed event");

        var samples = PrometheusText.Parse(await bridge.Client.GetStringAsync("/metrics"));

        Assert.Equal(1, samples.Value("bridge_mapping_errors_total", ("rule", "admin-login")));
        Assert.Equal(1, samples.Value("bridge_dead_letters_total", ("destination", "ntfy"), ("cause", "mapping")));
        Assert.Equal(1, samples.Value("bridge_messages", ("destination", "ntfy"), ("state", "dead")));
    }

    [Fact]
    public async Task AMessageWaitingAfterAFailedAttemptIsRetryingNotPending()
    {
        // A second attempt an hour away, so the message is still waiting when the scrape reads it.
        var config = EndToEndConfigs.AdminLogin.Replace("schedule: [0s, 10ms, 50ms, 50ms]", "schedule: [0s, 1h]", StringComparison.Ordinal);
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(config, ntfy);
        ntfy.FailNext(503);
        await bridge.PostHookAsync("authentik", AdminLogin(5));
        await bridge.Logs.WaitForMessageAsync("next attempt at");

        var samples = PrometheusText.Parse(await bridge.Client.GetStringAsync("/metrics"));

        Assert.Equal(1, samples.Value("bridge_messages", ("destination", "ntfy"), ("state", "retrying")));
        Assert.Equal(0, samples.Value("bridge_messages", ("destination", "ntfy"), ("state", "pending")));
    }

    [Theory]
    [InlineData("grafana/bridge-dashboard.json")]
    [InlineData("prometheus/bridge-alerts.yml")]
    public async Task TheShippedDashboardAndAlertsUseOnlyMetricsTheBridgeExports(string sample)
    {
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin);
        var help = (await bridge.Client.GetStringAsync("/metrics")).Split('\n').Where(l => l.StartsWith("# HELP ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[2]).ToHashSet(StringComparer.Ordinal);

        var used = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(Path.Combine(TestPaths.Samples, sample)), "bridge_[a-z_]+")
            .Select(m => System.Text.RegularExpressions.Regex.Replace(m.Value, "_(bucket|count|sum)$", "")).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(used);
        Assert.Subset(help, used);
    }

    private const string AdminLoginUser = "alice.admin";
}
