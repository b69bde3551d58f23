using System.Text;
using Bridge.Tests.Incidents;
using Bridge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Throttles;

/// <summary>
/// A throttled rule through the real host on a fake clock: at most max events per period sent one by one, the rest
/// stored with the throttle's reason and folded into one digest when the period ends; per value of the by fields; across a restart.
/// </summary>
public sealed class ThrottleTests
{
    /// <summary>On a period's start: the periods of 10 min run 09:00-09:10, 09:10-09:20.</summary>
    internal static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);

    internal const string Rules = """
        rules:
          - name: failed-login
            match: { action: login_failed }
            topic: failures
            throttle: { max: 5, per: 10m, by: [user.username] }
        """;

    internal static readonly string Config = IncidentCardTests.Config[..IncidentCardTests.Config.IndexOf("rules:", StringComparison.Ordinal)] + Rules;

    /// <summary>The sample failed login, for <paramref name="user"/> (its name and the name typed), with its own id and address.</summary>
    internal static byte[] FailedLogin(int n, string ip, string user = "alice.admin") =>
        Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(IncidentCardTests.FailedLogin(n, ip)).Replace("alice.admin", user, StringComparison.Ordinal));

    [Fact]
    public async Task FiftyEventsOverAMaxOfFiveAreFivePushesThenOneDigestOfTheFortyFiveHeld()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(Time: time));

        await PostAsync(bridge, time, 1, 50, "alice.admin");
        var single = await ntfy.WaitForMessagesAsync(5, TimeSpan.FromSeconds(60));
        await DeliveryClock.QuietAsync(bridge);
        Assert.Equal(5, ntfy.Published.Count);
        Assert.All(single, m => Assert.Equal("Failed login: alice.admin", m.Text("title")));
        for (var n = 6; n <= 50; n++)
        {
            var held = await bridge.Client.GetStringAsync(new Uri($"/api/events/{n:x32}", UriKind.Relative));
            Assert.Contains("throttled: over 5 per 10m for user.username=alice.admin; counted into the digest due at 2026-03-14T09:10:00Z", held, StringComparison.Ordinal);
        }

        await PeriodEndAsync(bridge, time, Start.AddMinutes(10));
        var digest = Assert.Single(await ntfy.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal("Failed login: alice.admin (+45 held)", digest.Text("title"));
        Assert.StartsWith("alice.admin: 45 more failed logins held by the throttle, 09:00-09:10 UTC from 3 addresses\nLatest:\n", digest.Text("message"), StringComparison.Ordinal);
        Assert.Equal(4, digest.Json.GetProperty("priority").GetInt32());
        var metrics = await bridge.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("bridge_throttled_total{rule=\"failed-login\"} 45", metrics, StringComparison.Ordinal);
        Assert.Contains("bridge_throttle_digests_total{rule=\"failed-login\"} 1", metrics, StringComparison.Ordinal);

        // The next period starts afresh, and the digest is not made again.
        await PostAsync(bridge, time, 51, 1, "alice.admin");
        Assert.Equal("Failed login: alice.admin", Assert.Single(await ntfy.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60))).Text("title"));
        await PeriodEndAsync(bridge, time, Start.AddMinutes(20));
        await DeliveryClock.QuietAsync(bridge);
        Assert.Equal(7, ntfy.Published.Count);
    }

    [Fact]
    public async Task EachValueOfTheByFieldsIsThrottledOnItsOwn()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        var config = Config.Replace("topic: failures", "topic: failures\n    mapping: failed-login.js", StringComparison.Ordinal);
        await using var bridge = await BridgeTestHost.StartAsync(config, ntfy, options: new TestHostOptions(Time: time));

        for (var n = 1; n <= 8; n++)
        {
            await PostAsync(bridge, time, 2 * n - 1, 1, "alice");
            await PostAsync(bridge, time, 2 * n, 1, "bob");
        }
        var single = await ntfy.WaitForMessagesAsync(10, TimeSpan.FromSeconds(60));
        Assert.Equal(5, single.Count(m => m.Text("title") == "Failed login: alice"));
        Assert.Equal(5, single.Count(m => m.Text("title") == "Failed login: bob"));

        await PeriodEndAsync(bridge, time, Start.AddMinutes(10));
        var digests = await ntfy.WaitForMessagesAsync(2, TimeSpan.FromSeconds(60));
        Assert.Equal(["alice: 3 more failed logins", "bob: 3 more failed logins"], digests.Select(d => d.Text("title")).Order(StringComparer.Ordinal));
        Assert.All(digests, d => Assert.Matches(@"^\w+: 3 more failed logins held by the throttle, 09:00-09:10 UTC from 3 addresses\.\nLatest:", d.Text("message")));
        await DeliveryClock.QuietAsync(bridge);
        Assert.Equal(12, ntfy.Published.Count);
    }

    [Fact]
    public async Task ARestartInMidPeriodKeepsTheCountAndMakesOneDigestWithTheWholeTotal()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        using var directory = new TempDirectory();
        var before = new FakeTimeProvider(Start);
        await using (var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(Directory: directory, Time: before)))
        {
            await PostAsync(bridge, before, 1, 20, "alice.admin");
            await ntfy.WaitForMessagesAsync(5, TimeSpan.FromSeconds(60));
            await DeliveryClock.QuietAsync(bridge);
            await bridge.KillAsync();
        }
        var time = new FakeTimeProvider(before.GetUtcNow());
        await using var restarted = await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(Directory: directory, Time: time));
        await PostAsync(restarted, time, 21, 30, "alice.admin");
        await DeliveryClock.QuietAsync(restarted);
        Assert.Equal(5, ntfy.Published.Count);

        await PeriodEndAsync(restarted, time, Start.AddMinutes(10));
        var digest = Assert.Single(await ntfy.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.StartsWith("alice.admin: 45 more failed logins held by the throttle", digest.Text("message"), StringComparison.Ordinal);
        await PeriodEndAsync(restarted, time, Start.AddMinutes(20));
        await DeliveryClock.QuietAsync(restarted);
        Assert.Equal(6, ntfy.Published.Count);
    }

    /// <summary>Moves the clock to the period's end once the throttle worker waits for it ("Throttles idle until …", logged after its timer is set).</summary>
    internal static async Task PeriodEndAsync(BridgeTestHost bridge, FakeTimeProvider time, DateTimeOffset end)
    {
        await bridge.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Throttles idle until", StringComparison.Ordinal) && WakeAt(e) == end);
        var made = bridge.Logs.WaitForNextAsync(e => e.MessageTemplate.Text.StartsWith("Throttles idle until", StringComparison.Ordinal) && WakeAt(e) > end);
        time.SetUtcNow(end);
        await made;
    }

    private static DateTimeOffset WakeAt(Serilog.Events.LogEvent e) => (DateTimeOffset)((Serilog.Events.ScalarValue)e.Properties["WakeAt"]).Value!;

    /// <summary>Posts failed logins <paramref name="first"/>… 20 ms apart on the clock, from three addresses, then waits until each is processed.</summary>
    internal static async Task PostAsync(BridgeTestHost bridge, FakeTimeProvider time, int first, int count, string user)
    {
        string[] addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];
        var processed = bridge.Logs.Events.Count(e => e.RenderMessage().StartsWith("Processed event", StringComparison.Ordinal));
        for (var n = first; n < first + count; n++)
        {
            time.Advance(TimeSpan.FromMilliseconds(20));
            using var answer = await bridge.PostHookAsync("authentik", FailedLogin(n, addresses[n % 3], user));
            answer.EnsureSuccessStatusCode();
        }
        await bridge.Logs.WaitForCountAsync(e => e.RenderMessage().StartsWith("Processed event", StringComparison.Ordinal), processed + count, TimeSpan.FromSeconds(60));
    }
}
