using Bridge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Incidents;

/// <summary>
/// The storm of issue 12 through the real host on a fake clock: 500 failed logins for one account from three addresses
/// over ten seconds, the process killed half-way, give one card, updated a bounded number of times and closed with 500.
/// </summary>
public sealed class StormTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task FiveHundredFailedLoginsWithAKillInTheMiddleAreOneCardClosedWithTheirCount()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        using var directory = new TempDirectory();
        var before = new FakeTimeProvider(Start);
        // ntfy's own limits (a burst of 60, then one per 5 s): one card and two updates stay far inside them.
        ntfy.EnforceLimits(before);
        await using (var bridge = await BridgeTestHost.StartAsync(IncidentCardTests.Config, ntfy, options: new TestHostOptions(Directory: directory, Time: before)))
        {
            await StormAsync(bridge, before, 1, 250);
            await DeliveryClock.QuietAsync(bridge);
            // Killed, not stopped: nothing of the bridge gets to tidy up.
            await bridge.KillAsync();
        }
        // A clock of its own, going on from where the killed one stood: the killed host's timers stay on the old one.
        var time = new FakeTimeProvider(before.GetUtcNow());
        await using var restarted = await BridgeTestHost.StartAsync(IncidentCardTests.Config, ntfy, options: new TestHostOptions(Directory: directory, Time: time));
        Assert.Contains("250 events, 1 card(s) sent", (await restarted.Logs.WaitForMessageAsync("Resumed incident")).RenderMessage(), StringComparison.Ordinal);
        await StormAsync(restarted, time, 251, 250);
        await DeliveryClock.QuietAsync(restarted);
        var opening = Assert.Single(ntfy.Published);

        // The update the interval made due, then the closing card after five quiet minutes: the clock goes where the worker waits.
        await NextCardAsync(restarted, time);
        var cards = await ntfy.WaitForMessagesAsync(2);
        await DeliveryClock.QuietAsync(restarted);
        await NextCardAsync(restarted, time);
        cards.AddRange(await ntfy.WaitForMessagesAsync(1));
        await DeliveryClock.QuietAsync(restarted);

        Assert.Equal(3, ntfy.Published.Count);
        Assert.Equal(3, ntfy.Requests);
        Assert.Empty(ntfy.RateLimited);
        Assert.All(cards, c => Assert.Equal(opening.Text("sequence_id"), c.Text("sequence_id")));
        Assert.Matches(@"^500 failed logins in \d+ s from 3 addresses\nLatest:", cards[1].Text("message"));
        Assert.Equal("Over: Failed login: alice.admin (500×)", cards[2].Text("title"));
        Assert.Matches(@"^500 failed logins in \d+ s from 3 addresses; quiet since 5 minutes ago", cards[2].Text("message"));
    }

    /// <summary>Moves the clock to the time the incident worker said it waits for ("Incidents idle until …", logged after its timer is set).</summary>
    private static async Task NextCardAsync(BridgeTestHost bridge, FakeTimeProvider time)
    {
        var idle = await bridge.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Incidents idle until", StringComparison.Ordinal) && WakeAt(e) > time.GetUtcNow());
        time.SetUtcNow(WakeAt(idle));
    }

    private static DateTimeOffset WakeAt(Serilog.Events.LogEvent e) => (DateTimeOffset)((Serilog.Events.ScalarValue)e.Properties["WakeAt"]).Value!;

    /// <summary>Posts failed logins <paramref name="first"/>… 20 ms apart on the clock, then waits until each is processed.</summary>
    private static async Task StormAsync(BridgeTestHost bridge, FakeTimeProvider time, int first, int count)
    {
        string[] addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];
        for (var n = first; n < first + count; n++)
        {
            time.Advance(TimeSpan.FromMilliseconds(20));
            using var answer = await bridge.PostHookAsync("authentik", IncidentCardTests.FailedLogin(n, addresses[n % 3]));
            answer.EnsureSuccessStatusCode();
        }
        await bridge.Logs.WaitForCountAsync(e => e.RenderMessage().StartsWith("Processed event", StringComparison.Ordinal), count, TimeSpan.FromSeconds(60));
    }
}
