using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bridge.Cli;
using Bridge.Tests.Observability;
using Bridge.Tests.Support;
using static Bridge.Tests.Authentik.GroupLookupPayloads;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Authentik;

/// <summary>
/// When Authentik's API cannot answer, refuses the token or answers too much: rules are never judged on guessed
/// groups, the event waits (persisted, visible, retried on a schedule) and is delivered once the API answers.
/// </summary>
public sealed class GroupLookupFailureTests
{
    [Fact]
    public async Task WhileTheApiIsDownTheEventWaitsVisiblyThroughARestartAndIsDeliveredOnceItAnswers()
    {
        await using var api = await ApiWithAliceAsync();
        await using var ntfy = await FakeNtfy.StartAsync();
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        var options = new TestHostOptions(Directory: directory, Time: time);
        api.Down = true;

        await using (var bridge = await BridgeTestHost.StartAsync(Config(api.Url), ntfy, options: options))
        {
            using (var answer = await bridge.PostHookAsync("authentik", LoginWithoutGroups()))
            {
                Assert.Equal("waiting_for_groups", (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
            }
            await bridge.Logs.WaitForMessageAsync("Group lookups idle until");

            var status = await GetJsonAsync(bridge, "/api/status");
            Assert.Equal(1, status.GetProperty("waiting_for_groups").GetInt32());
            Assert.Equal(0, status.GetProperty("unprocessed_events").GetInt32());
            var lookup = Assert.Single(status.GetProperty("group_lookup").EnumerateArray());
            Assert.Equal("unreachable", lookup.GetProperty("state").GetString());
            Assert.Equal("Authentik's API answered 503", lookup.GetProperty("reason").GetString());
            var stored = await GetJsonAsync(bridge, $"/api/events/{EventId}");
            Assert.Equal("waiting_for_groups", stored.GetProperty("status").GetString());
            Assert.Equal("Authentik's API answered 503", stored.GetProperty("groups_wait").GetProperty("reason").GetString());
            Assert.Equal(1, stored.GetProperty("groups_wait").GetProperty("attempts").GetInt32());
            Assert.Equal(Start + TimeSpan.FromSeconds(5), stored.GetProperty("groups_wait").GetProperty("next_try").GetDateTimeOffset());
            Assert.Equal(0, stored.GetProperty("verdicts").GetArrayLength());
            var metrics = PrometheusText.Parse(await bridge.Client.GetStringAsync("/metrics"));
            Assert.Equal(1, metrics.Value("bridge_events_waiting_for_groups", ("source", "authentik")));
            Assert.Equal(1, metrics.Value("bridge_group_lookup_state", ("source", "authentik"), ("state", "unreachable")));
            Assert.Equal(0, metrics.Value("bridge_group_lookup_state", ("source", "authentik"), ("state", "answering")));

            using var output = new StringWriter();
            using var errors = new StringWriter();
            Assert.Equal(2, await StatusCommand.RunAsync(BridgeCli.Create().Parse(["status", "--url", bridge.Client.BaseAddress!.ToString()]), output, errors, CancellationToken.None));
            Assert.Contains("events waiting for their user's groups (Authentik's API): 1", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("group lookup for source authentik: UNREACHABLE (Authentik's API answered 503); 1 waiting", output.ToString(), StringComparison.Ordinal);
        }
        Assert.Single(api.Requests);

        // A restart respects the stored schedule: nothing is asked before the next try is due.
        await using var restarted = await BridgeTestHost.StartAsync(Config(api.Url), ntfy, options: options);
        var idle = await restarted.Logs.WaitForMessageAsync("Group lookups idle until");
        Assert.Equal(Start + TimeSpan.FromSeconds(5), (DateTimeOffset)((Serilog.Events.ScalarValue)idle.Properties["WakeAt"]).Value!);
        Assert.Single(api.Requests);
        Assert.Equal("waiting_for_groups", (await GetJsonAsync(restarted, $"/api/events/{EventId}")).GetProperty("status").GetString());

        api.Down = false;
        time.SetUtcNow(Start + TimeSpan.FromSeconds(5));

        var sent = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal("gauth", sent.Topic);
        var judged = await GetJsonAsync(restarted, $"/api/events/{EventId}");
        Assert.True(judged.GetProperty("verdicts")[0].GetProperty("matched").GetBoolean());
        Assert.False(judged.TryGetProperty("groups_wait", out _));
        Assert.Equal(2, api.Requests.Count);
        Assert.Equal("answering", Assert.Single((await GetJsonAsync(restarted, "/api/status")).GetProperty("group_lookup").EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task ARefusedTokenIsReportedAtOnceNamingTheSourceAndIsNotAskedAgainForEveryEvent()
    {
        await using var api = await ApiWithAliceAsync();
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        await using var bridge = await BridgeTestHost.StartAsync(Config(api.Url, token: "ak-wrong-token-0000000000000000000000000000"), ntfy, options: new TestHostOptions(Time: time));

        using (await bridge.PostHookAsync("authentik", LoginWithoutGroups("e3000000000000000000000000000001"))) { }

        var error = await bridge.Logs.WaitForAsync(e => e.Level == Serilog.Events.LogEventLevel.Error && e.RenderMessage().Contains("Group lookup for source", StringComparison.Ordinal));
        var text = error.RenderMessage();
        Assert.Contains("\"authentik\"", text, StringComparison.Ordinal);
        Assert.Contains("refused the token (403: Token invalid/expired)", text, StringComparison.Ordinal);
        Assert.Contains("authentik_core.view_user", text, StringComparison.Ordinal);
        var ready = await GetJsonAsync(bridge, "/readyz");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("refused", Assert.Single(ready.GetProperty("group_lookup").EnumerateArray()).GetProperty("state").GetString());

        using (await bridge.PostHookAsync("authentik", LoginWithoutGroups("e3000000000000000000000000000002"))) { }
        await bridge.Logs.WaitForCountAsync(e => e.RenderMessage().Contains("waits for its user's groups", StringComparison.Ordinal), 2);

        Assert.Single(api.Requests);
        var status = await GetJsonAsync(bridge, "/api/status");
        Assert.Equal(2, status.GetProperty("waiting_for_groups").GetInt32());
        var lookup = Assert.Single(status.GetProperty("group_lookup").EnumerateArray());
        Assert.Equal("refused", lookup.GetProperty("state").GetString());
        Assert.Contains("403", lookup.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var waiting = await GetJsonAsync(bridge, "/api/events/e3000000000000000000000000000002");
        Assert.Equal(Start + TimeSpan.FromMinutes(5), waiting.GetProperty("groups_wait").GetProperty("next_try").GetDateTimeOffset());
        var metrics = PrometheusText.Parse(await bridge.Client.GetStringAsync("/metrics"));
        Assert.Equal(2, metrics.Value("bridge_events_waiting_for_groups", ("source", "authentik")));
        Assert.Equal(1, metrics.Value("bridge_group_lookup_state", ("source", "authentik"), ("state", "refused")));
        Assert.Equal(0, ntfy.Requests);
    }

    [Fact]
    public async Task AnAnswerLargerThanTheBoundIsRefusedWithoutReadingItAll()
    {
        await using var api = await ApiWithAliceAsync();
        api.EndlessAnswer = true;
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config(api.Url), ntfy, options: new TestHostOptions(Time: new FakeTimeProvider(Start)));

        using (await bridge.PostHookAsync("authentik", LoginWithoutGroups())) { }

        // The answer never ends and the bridge's timeout runs on a clock that stands still: only a reader that stops at
        // the bound can come back at all, and it says why.
        var waits = await bridge.Logs.WaitForMessageAsync("waits for its user's groups");
        Assert.Contains($"larger than {Bridge.Authentik.AuthentikUsersClient.MaxAnswerBytes} bytes and was not read", waits.RenderMessage(), StringComparison.Ordinal);
        Assert.Equal("waiting_for_groups", (await GetJsonAsync(bridge, $"/api/events/{EventId}")).GetProperty("status").GetString());
        Assert.Equal(0, ntfy.Requests);
    }

    [Fact]
    public async Task ACopyOfAWaitingEventIsADuplicateAndIsSentOnce()
    {
        await using var api = await ApiWithAliceAsync();
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        await using var bridge = await BridgeTestHost.StartAsync(Config(api.Url), ntfy, options: new TestHostOptions(Time: time));
        api.Down = true;
        using (await bridge.PostHookAsync("authentik", LoginWithoutGroups())) { }
        await bridge.Logs.WaitForMessageAsync("Group lookups idle until");

        using var copy = await bridge.PostHookAsync("authentik", LoginWithoutGroups());

        var answer = await copy.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("duplicate", answer.GetProperty("status").GetString());
        Assert.Equal(EventId, answer.GetProperty("duplicate_of").GetString());
        api.Down = false;
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(await ntfy.WaitForMessagesAsync(1));
        var messages = (await GetJsonAsync(bridge, "/api/status")).GetProperty("messages");
        Assert.Equal(1, messages.EnumerateObject().Sum(m => m.Value.GetInt32()));
        Assert.Equal(1, (await GetJsonAsync(bridge, $"/api/events/{EventId}")).GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task AReloadThatFixesTheTokenTriesTheWaitingEventsAtOnce()
    {
        await using var api = await ApiWithAliceAsync();
        await using var ntfy = await FakeNtfy.StartAsync();
        const string wrong = "ak-wrong-token-0000000000000000000000000000";
        await using var bridge = await BridgeTestHost.StartAsync(Config(api.Url, token: wrong), ntfy);
        using (await bridge.PostHookAsync("authentik", LoginWithoutGroups())) { }
        await bridge.Logs.WaitForMessageAsync("waits for its user's groups");

        var reloaded = bridge.Logs.WaitForNextAsync(e => e.RenderMessage().StartsWith("Configuration reloaded", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(bridge.Directory, "bridge.yaml"), Config(api.Url));
        await reloaded;

        // Refused, the event was due again only in 5 minutes: the fixed token is tried now.
        Assert.Equal("gauth", Assert.Single(await ntfy.WaitForMessagesAsync(1)).Topic);
        Assert.Equal(2, api.Requests.Count);
    }
}
