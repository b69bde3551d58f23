using Bridge.Tests.Incidents;
using Bridge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Cluster;

/// <summary>
/// Two bridge hosts on one PostgreSQL database and one fake clock: a storm whose events are spread over both is one
/// incident (one <c>sequence_id</c>, one opening card, one closing card with the whole count), and when one host stops in
/// mid-storm the other goes on with the same incident.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedIncidentTests(PostgresServer server)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);

    private const string Config = IncidentCardTests.Config + """

        storage:
          provider: postgres
          connection_string: ${PG_CONNECTION}
          lease: 4s
        """;

    [Fact]
    public async Task TwoHundredFailedLoginsPostedAlternatelyToTwoBridgesAreOneIncident()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        var options = await OptionsAsync(time);
        await using var a = await BridgeTestHost.StartAsync(Config, ntfy, options: options);
        await using var b = await BridgeTestHost.StartAsync(Config, ntfy, options: options);

        await StormAsync([a, b], 1, 200);
        var cards = await CardsAsync(ntfy, time, [a, b]);

        Assert.Single(cards.Select(c => c.Text("sequence_id")).Distinct());
        Assert.Matches("^bi[0-9a-f]{30}$", cards[0].Text("sequence_id"));
        Assert.StartsWith("Failed login: alice.admin", cards[0].Text("title"), StringComparison.Ordinal);
        // The opening card at once, one update when the interval ended (the clock stood still during the storm), the close.
        Assert.Equal(3, cards.Count);
        Assert.Equal("Failed login: alice.admin (200×)", cards[1].Text("title"));
        Assert.Equal("Over: Failed login: alice.admin (200×)", cards[2].Text("title"));
        Assert.StartsWith("200 failed logins", cards[2].Text("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenOneBridgeStopsInMidStormTheOtherGoesOnWithTheSameIncident()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        var options = await OptionsAsync(time);
        await using var b = await BridgeTestHost.StartAsync(Config, ntfy, options: options);
        await using (var a = await BridgeTestHost.StartAsync(Config, ntfy, options: options))
        {
            await StormAsync([a, b], 1, 100);
            await DeliveryClock.QuietAsync(a);
            await a.KillAsync();
        }
        time.Advance(TimeSpan.FromSeconds(5));
        await StormAsync([b], 101, 100);
        var cards = await CardsAsync(ntfy, time, [b]);

        Assert.Single(cards.Select(c => c.Text("sequence_id")).Distinct());
        Assert.Equal(3, cards.Count);
        Assert.Equal("Failed login: alice.admin (200×)", cards[1].Text("title"));
        Assert.Equal("Over: Failed login: alice.admin (200×)", cards[2].Text("title"));
    }

    private async Task<TestHostOptions> OptionsAsync(FakeTimeProvider time) =>
        new(Time: time, Environment: new Dictionary<string, string> { ["PG_CONNECTION"] = await server.CreateDatabaseAsync() });

    /// <summary>Posts failed logins <paramref name="first"/>… to <paramref name="bridges"/> in turn, then waits until they processed all of them between them.</summary>
    private static async Task StormAsync(IReadOnlyList<BridgeTestHost> bridges, int first, int count)
    {
        string[] addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];
        var before = bridges.Sum(Processed);
        for (var n = first; n < first + count; n++)
        {
            using var answer = await bridges[n % bridges.Count].PostHookAsync("authentik", IncidentCardTests.FailedLogin(n, addresses[n % 3]));
            answer.EnsureSuccessStatusCode();
        }
        // Either may map what the other accepted (they share the event reader's leases): their counts together tell.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var next = Task.WhenAny(bridges.Select(b => b.Logs.WaitForNextAsync(IsProcessed, TimeSpan.FromSeconds(60))));
            if (bridges.Sum(Processed) - before >= count) return;
            await next.WaitAsync(timeout.Token);
        }
    }

    /// <summary>
    /// The opening card, then the update the interval makes due and the closing card after the quiet window, moving the
    /// clock only while no send is under way.
    /// </summary>
    private static async Task<List<PublishedMessage>> CardsAsync(FakeNtfy ntfy, FakeTimeProvider time, IReadOnlyList<BridgeTestHost> bridges)
    {
        var cards = await ntfy.WaitForMessagesAsync(1);
        foreach (var bridge in bridges) await DeliveryClock.QuietAsync(bridge);
        Assert.Single(ntfy.Published);
        time.Advance(TimeSpan.FromSeconds(30));
        cards.AddRange(await ntfy.WaitForMessagesAsync(1));
        foreach (var bridge in bridges) await DeliveryClock.QuietAsync(bridge);
        time.Advance(TimeSpan.FromMinutes(5));
        cards.AddRange(await ntfy.WaitForMessagesAsync(1));
        foreach (var bridge in bridges) await DeliveryClock.QuietAsync(bridge);
        Assert.Equal(cards.Count, ntfy.Published.Count);
        return cards;
    }

    private static int Processed(BridgeTestHost bridge) => bridge.Logs.Events.Count(IsProcessed);

    private static bool IsProcessed(Serilog.Events.LogEvent e) => e.MessageTemplate.Text.StartsWith("Processed event", StringComparison.Ordinal);
}
