using Bridge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Throttles;

/// <summary>
/// Two bridge hosts on one PostgreSQL database, events posted to both in turn: together they send at most max per period,
/// and one of them makes the one digest with the total.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedThrottleTests(PostgresServer server)
{
    private static readonly string Config = ThrottleTests.Config + """

        storage:
          provider: postgres
          connection_string: ${PG_CONNECTION}
          lease: 4s
        """;

    [Fact]
    public async Task TwoBridgesOnOneDatabasePassAtMostMaxBetweenThemAndMakeOneDigest()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        // One clock for both, as one database's clock is: the periods are cut on it.
        var time = new FakeTimeProvider(ThrottleTests.Start);
        var options = new TestHostOptions(Time: time, Environment: new Dictionary<string, string> { ["PG_CONNECTION"] = await server.CreateDatabaseAsync() });
        await using var a = await BridgeTestHost.StartAsync(Config, ntfy, options: options);
        await using var b = await BridgeTestHost.StartAsync(Config, ntfy, options: options);

        for (var n = 1; n <= 20; n++)
        {
            time.Advance(TimeSpan.FromMilliseconds(20));
            using var answer = await (n % 2 == 0 ? a : b).PostHookAsync("authentik", ThrottleTests.FailedLogin(n, $"10.0.0.{n % 3}"));
            answer.EnsureSuccessStatusCode();
        }
        static bool Processed(Serilog.Events.LogEvent e) => e.RenderMessage().StartsWith("Processed event", StringComparison.Ordinal);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (a.Logs.Events.Count(Processed) + b.Logs.Events.Count(Processed) < 20) await Task.Delay(20, cts.Token);
        }
        await ntfy.WaitForMessagesAsync(5, TimeSpan.FromSeconds(30));
        await DeliveryClock.QuietAsync(a);
        await DeliveryClock.QuietAsync(b);
        Assert.Equal(5, ntfy.Published.Count);

        var end = ThrottleTests.Start.AddMinutes(10);
        time.SetUtcNow(end);
        var digest = Assert.Single(await ntfy.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.StartsWith("alice.admin: 15 more failed logins held by the throttle, 09:00-09:10 UTC from 3 addresses", digest.Text("message"), StringComparison.Ordinal);
        // Both have looked since the period ended (each looks every second on a shared store): neither makes a second one.
        var looked = Task.WhenAll(a.Logs.WaitForAsync(LookedAfter(end + TimeSpan.FromSeconds(2))), b.Logs.WaitForAsync(LookedAfter(end + TimeSpan.FromSeconds(2))));
        time.Advance(TimeSpan.FromSeconds(2));
        await looked;
        await DeliveryClock.QuietAsync(a);
        await DeliveryClock.QuietAsync(b);
        Assert.Equal(6, ntfy.Published.Count);
        static Func<Serilog.Events.LogEvent, bool> LookedAfter(DateTimeOffset at) => e =>
            e.MessageTemplate.Text.StartsWith("Throttles idle until", StringComparison.Ordinal) && (DateTimeOffset)((Serilog.Events.ScalarValue)e.Properties["WakeAt"]).Value! > at;
        Assert.Equal(1, a.Logs.Events.Count(e => e.RenderMessage().Contains("digest of 15 held events", StringComparison.Ordinal))
            + b.Logs.Events.Count(e => e.RenderMessage().Contains("digest of 15 held events", StringComparison.Ordinal)));
    }
}
