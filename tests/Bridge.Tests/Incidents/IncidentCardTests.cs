using System.Text;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Incidents;

/// <summary>A storm of events through the real host: one card, updated in place through its sequence_id, then closed.</summary>
public sealed class IncidentCardTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);

    internal const string Config = $$"""
        {{EndToEndConfigs.RoomyMappingLimits}}
        destinations:
          ntfy:
            url: ${NTFY_URL}
            token: ${NTFY_TOKEN}
            retry: { schedule: [0s, 10ms] }
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - name: failed-login
            match: { action: login_failed }
            topic: failures
            group: { by: [context.username], window: 5m, interval: 30s }
        """;

    private static readonly string Sample = File.ReadAllText(TestPaths.AuthentikPayload("event-login-failed.json"));

    /// <summary>The sample failed login for alice.admin with its own event id and client address.</summary>
    public static byte[] FailedLogin(int n, string ip) => Encoding.UTF8.GetBytes(Sample
        .Replace("8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5", $"{n:x32}", StringComparison.Ordinal)
        .Replace("167.99.34.12", ip, StringComparison.Ordinal));

    [Fact]
    public async Task AStormOfFailedLoginsIsOneCardUpdatedInPlaceAndClosedWithItsCount()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(Time: time));

        var opening = Assert.Single(await ntfy.WaitForMessagesAsync(await PostAsync(bridge, 1, 1, "10.0.0.1")));
        Assert.Equal("Failed login: alice.admin", opening.Text("title"));
        var id = opening.Text("sequence_id");
        Assert.Matches("^bi[0-9a-f]{30}$", id);

        // The rest of the storm, from three addresses over 20 s: counted, and no card within the interval.
        await PostAsync(bridge, 2, 10, "10.0.0.1");
        time.Advance(TimeSpan.FromSeconds(10));
        await PostAsync(bridge, 12, 10, "10.0.0.2");
        time.Advance(TimeSpan.FromSeconds(10));
        await PostAsync(bridge, 22, 9, "10.0.0.3");
        await bridge.Logs.WaitForCountAsync(e => e.RenderMessage().StartsWith("Processed event", StringComparison.Ordinal), 30);
        await DeliveryClock.QuietAsync(bridge);
        Assert.Single(ntfy.Published);

        time.SetUtcNow(Start + TimeSpan.FromSeconds(30));
        var update = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal(id, update.Text("sequence_id"));
        Assert.Equal("Failed login: alice.admin (30×)", update.Text("title"));
        Assert.StartsWith("30 failed logins in 20 s from 3 addresses\nLatest:\nFailed login for alice.admin", update.Text("message"), StringComparison.Ordinal);

        // Only once the update's send is over: a send under way times out on this clock too.
        await DeliveryClock.QuietAsync(bridge);
        time.SetUtcNow(Start + TimeSpan.FromSeconds(20) + TimeSpan.FromMinutes(5));
        var closing = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal(id, closing.Text("sequence_id"));
        Assert.Equal("Over: Failed login: alice.admin (30×)", closing.Text("title"));
        Assert.StartsWith("30 failed logins in 20 s from 3 addresses; quiet since 5 minutes ago", closing.Text("message"), StringComparison.Ordinal);
        Assert.Equal(2, closing.Json.GetProperty("priority").GetInt32());

        // The incident is over: the next failed login opens a new one, with a card of its own.
        var next = Assert.Single(await ntfy.WaitForMessagesAsync(await PostAsync(bridge, 31, 1, "10.0.0.1")));
        Assert.Equal("Failed login: alice.admin", next.Text("title"));
        Assert.NotEqual(id, next.Text("sequence_id"));
    }

    [Fact]
    public async Task AHeldEventSaysWhichIncidentHoldsItAndSendsNothing()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(Time: time));

        await PostAsync(bridge, 1, 2, "10.0.0.1");
        await bridge.Logs.WaitForCountAsync(e => e.RenderMessage().StartsWith("Processed event", StringComparison.Ordinal), 2);

        var held = await bridge.Client.GetStringAsync(new Uri($"/api/events/{2:x32}", UriKind.Relative));
        Assert.Contains("held in incident bi", held, StringComparison.Ordinal);
        Assert.Contains("(event 2 of the group): its card is updated at most every 30 s", held, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARestartInMidStormKeepsTheCountAndSendsNoSecondCard()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        var options = new TestHostOptions(Directory: directory, Time: time);
        string? id;
        await using (var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: options))
        {
            await PostAsync(bridge, 1, 10, "10.0.0.1");
            id = Assert.Single(await ntfy.WaitForMessagesAsync(1)).Text("sequence_id");
            await bridge.Logs.WaitForCountAsync(e => e.RenderMessage().StartsWith("Processed event", StringComparison.Ordinal), 10);
            await DeliveryClock.QuietAsync(bridge);
            await bridge.KillAsync();
        }

        time.Advance(TimeSpan.FromSeconds(5));
        await using var restarted = await BridgeTestHost.StartAsync(Config, ntfy, options: options);
        var resumed = await restarted.Logs.WaitForMessageAsync("Resumed incident");
        Assert.Contains("10 events, 1 card(s) sent", resumed.RenderMessage(), StringComparison.Ordinal);
        await PostAsync(restarted, 11, 10, "10.0.0.2");
        await restarted.Logs.WaitForCountAsync(e => e.RenderMessage().StartsWith("Processed event", StringComparison.Ordinal), 10);
        await DeliveryClock.QuietAsync(restarted);
        Assert.Single(ntfy.Published);

        time.SetUtcNow(Start + TimeSpan.FromSeconds(30));
        var update = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal(id, update.Text("sequence_id"));
        Assert.StartsWith("20 failed logins in 5 s from 2 addresses", update.Text("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryCardOfAnIncidentGoesInTheLaneItsOpeningCardTook()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(Time: time));
        var opening = Assert.Single(await ntfy.WaitForMessagesAsync(await PostAsync(bridge, 1, 1, "10.0.0.1")));
        await PostAsync(bridge, 2, 1, "10.0.0.2");
        await bridge.Logs.WaitForCountAsync(e => e.RenderMessage().StartsWith("Processed event", StringComparison.Ordinal), 2);
        await DeliveryClock.QuietAsync(bridge);

        time.SetUtcNow(Start + TimeSpan.FromMinutes(5));
        var closing = Assert.Single(await ntfy.WaitForMessagesAsync(1));

        // A failed login is priority 4 (the high lane); the closing card, at 2, still goes there, behind nothing of a lower lane.
        Assert.Equal((4, 2), (opening.Json.GetProperty("priority").GetInt32(), closing.Json.GetProperty("priority").GetInt32()));
        Assert.Equal("1,1", SqliteFile.Scalar(bridge.StorePath, "SELECT group_concat(lane) FROM (SELECT lane FROM messages ORDER BY id)"));
    }

    /// <returns>How many were posted.</returns>
    private static async Task<int> PostAsync(BridgeTestHost bridge, int first, int count, string ip)
    {
        for (var n = first; n < first + count; n++)
        {
            using var answer = await bridge.PostHookAsync("authentik", FailedLogin(n, ip));
            answer.EnsureSuccessStatusCode();
        }
        return count;
    }
}
