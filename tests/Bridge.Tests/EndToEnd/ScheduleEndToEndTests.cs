using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bridge.Pipeline;
using Bridge.Storage;
using Bridge.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.EndToEnd;

/// <summary>Delivery from the store: the persisted schedule across restarts, outages, dead letters, replay and paused destinations.</summary>
public sealed class ScheduleEndToEndTests
{
    private static byte[] AdminLogin => TestPaths.ReadAuthentikPayload("event-login-admin.json");

    private static string WithSchedule(string schedule) =>
        EndToEndConfigs.AdminLogin.Replace("retry: { schedule: [0s, 10ms, 50ms, 50ms] }", $"retry: {{ schedule: {schedule} }}", StringComparison.Ordinal);

    [Fact]
    public async Task ARestartDuringBackoffResumesTheScheduleWhereItWas()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var config = WithSchedule("[0s, 1m, 1m]");
        ntfy.FailNext(503);
        DateTimeOffset due;
        await using (var first = await BridgeTestHost.StartAsync(config, ntfy, options: new TestHostOptions(directory, time)))
        {
            await first.PostHookAsync("authentik", AdminLogin);
            await first.Logs.WaitForMessageAsync("next attempt at");
            var message = Assert.Single((await first.Store.ListMessagesAsync(new MessageFilter(), null, 10, CancellationToken.None)).Items);
            due = message.NextAttemptAt;
            Assert.Equal(1, message.Attempts);
            Assert.InRange(due - time.GetUtcNow(), TimeSpan.FromSeconds(48), TimeSpan.FromSeconds(72));
        }

        time.Advance(TimeSpan.FromSeconds(10));
        await using var second = await BridgeTestHost.StartAsync(config, ntfy, options: new TestHostOptions(directory, time));
        var delivery = ntfy.WaitForMessagesAsync(1);
        await DeliveryClock.RunUntilAsync(second, time, delivery);

        Assert.Single(await delivery);
        await second.Logs.WaitForMessageAsync("Delivered message");
        var delivered = Assert.Single((await second.Store.ListMessagesAsync(new MessageFilter(MessageStatus.Delivered), null, 10, CancellationToken.None)).Items);
        var attempts = await second.Store.GetAttemptsAsync(delivered.Id, CancellationToken.None);
        Assert.Equal(["failed", "delivered"], attempts.Select(a => a.Outcome));
        Assert.Equal(503, attempts[0].HttpStatus);
        Assert.Equal(50301, attempts[0].NtfyCode);
        // Sent when it fell due on the bridge's clock, not when the new process started.
        Assert.True(attempts[1].At >= due, $"second attempt at {attempts[1].At:O}, due {due:O}");
        Assert.Equal(2, ntfy.Requests);
    }

    [Fact]
    public async Task After42901AnUnpacedDestinationRestsBrieflyAndTheMessagesScheduleIsNotSpent()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var bridge = await BridgeTestHost.StartAsync(WithSchedule("[0s, 1s]"), ntfy, options: new TestHostOptions(Time: time));
        ntfy.FailNext(429, code: 42901, error: "limit reached: too many requests");

        await bridge.PostHookAsync("authentik", AdminLogin);
        await bridge.Logs.WaitForMessageAsync("next attempt at");
        var delivery = ntfy.WaitForMessagesAsync(1);
        await DeliveryClock.RunUntilAsync(bridge, time, delivery);

        Assert.Single(await delivery);
        await bridge.Logs.WaitForMessageAsync("Delivered message");
        var message = Assert.Single((await bridge.Store.ListMessagesAsync(new MessageFilter(), null, 10, CancellationToken.None)).Items);
        var attempts = await bridge.Store.GetAttemptsAsync(message.Id, CancellationToken.None);
        Assert.Equal(["rate_limited", "delivered"], attempts.Select(a => a.Outcome));
        // Changed contract: a 429 rested the destination a minute, which stranded an urgent message behind it. Unpaced
        // (rate: none) it now rests ntfy's refill of one request; a paced one waits for its emptied bucket instead.
        Assert.Equal(TimeSpan.FromSeconds(5), attempts[1].At - attempts[0].At);
        // A schedule of two attempts, and the 429 did not use one up.
        Assert.Equal(MessageStatus.Delivered, message.Status);
        Assert.Equal(1, message.Attempts);
    }

    [Fact]
    public async Task NtfyDownForAWhileThenUpGetsEverythingAndATopicsMessagesLeaveInOrder()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(WithSchedule("[0s, 50ms, 100ms, 200ms, 400ms, 800ms, 1s, 1s, 1s, 1s]"), ntfy);
        ntfy.Down = true;
        var expected = new List<string>();
        // Until five failures trip the destination, up to max_in_flight (16) sends and the ones that replace them are
        // under way: 40 events leave enough that are never tried while ntfy is down to show the order.
        const int Events = 40;
        for (var i = 0; i < Events; i++)
        {
            var node = JsonNode.Parse(AdminLogin)!;
            node["event"]!["pk"] = $"{i:x32}";
            using var answer = await bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(node.ToJsonString()));
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
            expected.Add(DedupeKeys.SequenceId($"id:authentik:{i:x32}", "admin-login", 0));
        }
        await bridge.Logs.WaitForMessageAsync("sending one probe at a time");

        ntfy.Down = false;

        var published = (await ntfy.WaitForMessagesAsync(Events)).Select(m => m.Text("sequence_id")!).ToList();
        Assert.Equal(expected.Order(), published.Order());
        // Logged once the store has the delivery.
        await bridge.Logs.WaitForCountAsync(e => e.MessageTemplate.Text.StartsWith("Delivered message", StringComparison.Ordinal), Events);
        // Changed contract: sends are concurrent now (max_in_flight), so a topic's messages leave in order (are started in
        // the order they were made) rather than arriving strictly in order; ordered: strict keeps one at a time.
        var neverFailed = new List<(long Id, DateTimeOffset Started)>();
        foreach (var m in (await bridge.Store.ListMessagesAsync(new MessageFilter(), null, 100, CancellationToken.None)).Items)
        {
            var attempts = await bridge.Store.GetAttemptsAsync(m.Id, CancellationToken.None);
            if (attempts.All(a => a.Outcome == "delivered")) neverFailed.Add((m.Id, Assert.Single(attempts).At));
        }
        Assert.True(neverFailed.Count >= 10, $"only {neverFailed.Count} messages were never tried while ntfy was down");
        var started = neverFailed.OrderBy(m => m.Id).Select(m => m.Started).ToList();
        Assert.Equal(started.Order(), started);
    }

    [Fact]
    public async Task BadRequestIsDeadAtOnceWithNtfysCodeAndTextAndReplayDeliversItOnceFixed()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);
        ntfy.FailNext(400, code: 40009, error: "invalid request: topic invalid");

        await bridge.PostHookAsync("authentik", AdminLogin);
        await bridge.Logs.WaitForMessageAsync("ntfy rejected message");

        var dead = Assert.Single((await bridge.Store.ListMessagesAsync(new MessageFilter(MessageStatus.Dead), null, 10, CancellationToken.None)).Items);
        Assert.Equal("ntfy rejected it: HTTP 400, code 40009: invalid request: topic invalid", dead.DeadReason);
        Assert.Equal(1, ntfy.Requests);

        Assert.Equal(1, await bridge.Store.ReplayAsync(new MessageFilter(Id: dead.Id), DateTimeOffset.UtcNow, CancellationToken.None));
        bridge.Services.GetRequiredService<Signal>().Set();

        Assert.Single(await ntfy.WaitForMessagesAsync(1));
        await bridge.Logs.WaitForMessageAsync("Delivered message");
        Assert.Equal(MessageStatus.Delivered, (await bridge.Store.GetMessageAsync(dead.Id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task RefusedTokenPausesTheDestinationKillsNothingAndAFixedTokenAfterARestartDrainsTheQueue()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        using var directory = new TempDirectory();
        var wrongToken = EndToEndConfigs.AdminLogin.Replace("token: ${NTFY_TOKEN:-}", "token: tk_wrongwrongwrongwrongwrongwron", StringComparison.Ordinal);
        await using (var paused = await BridgeTestHost.StartAsync(wrongToken, ntfy, options: new TestHostOptions(directory)))
        {
            for (var i = 0; i < 6; i++)
            {
                var node = JsonNode.Parse(AdminLogin)!;
                node["event"]!["pk"] = $"{i:x32}";
                await paused.PostHookAsync("authentik", Encoding.UTF8.GetBytes(node.ToJsonString()));
            }
            var log = await paused.Logs.WaitForMessageAsync("PAUSED destination");
            Assert.Contains("40101", log.RenderMessage(), StringComparison.Ordinal);
            await paused.Logs.WaitForCountAsync(e => e.MessageTemplate.Text.StartsWith("Processed event", StringComparison.Ordinal), 6);
            var requests = ntfy.Requests;
            // At most one send per message before the first 401 paused it (max_in_flight, 16, lets all 6 be under way at
            // once), then one probe a minute: none is sent again meanwhile.
            Assert.InRange(requests, 1, 6);
            var counts = (await paused.Store.CountAsync(CancellationToken.None)).Messages["ntfy"];
            Assert.Equal(6, counts[MessageStatus.Pending]);
            Assert.False(counts.ContainsKey(MessageStatus.Dead));
        }

        await using var fixedToken = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy, options: new TestHostOptions(directory));

        Assert.Equal(6, (await ntfy.WaitForMessagesAsync(6)).Count);
    }

    [Fact]
    public async Task AFixedTokenByConfigReloadDrainsAPausedQueueWithoutARestart()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var wrongToken = EndToEndConfigs.AdminLogin.Replace("token: ${NTFY_TOKEN:-}", "token: tk_wrongwrongwrongwrongwrongwron", StringComparison.Ordinal);
        await using var bridge = await BridgeTestHost.StartAsync(wrongToken, ntfy);
        for (var i = 0; i < 3; i++)
        {
            var node = JsonNode.Parse(AdminLogin)!;
            node["event"]!["pk"] = $"{i:x32}";
            await bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(node.ToJsonString()));
        }
        await bridge.Logs.WaitForMessageAsync("PAUSED destination");

        await File.WriteAllTextAsync(Path.Combine(bridge.Directory, "bridge.yaml"), EndToEndConfigs.AdminLogin);

        Assert.Equal(3, (await ntfy.WaitForMessagesAsync(3)).Count);
        Assert.All(ntfy.Published, m => Assert.Equal("Bearer " + ntfy.Token, m.Authorization));
    }

    [Fact]
    public async Task ASendUnderWayWhenTheTokenIsRefusedThatThenFailsLeavesThePauseAndItsProbeAMinuteOn()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy, options: new TestHostOptions(Time: time));
        // The first message's send is still under way when the second's 401 pauses the destination; then it fails too.
        var first = ntfy.HoldNext();
        ntfy.FailNext(401, error: "unauthorized");
        ntfy.FailNext(503);

        await bridge.PostHookAsync("authentik", Login(0));
        await first.Arrived;
        await bridge.PostHookAsync("authentik", Login(1));
        await bridge.Logs.WaitForMessageAsync("PAUSED destination");
        first.Release();
        await bridge.Logs.WaitForMessageAsync("HTTP 503");

        // Still paused for the refusal, its probe a minute after it (ntfy refills failed logins one a minute), not sooner.
        var destination = (await bridge.Client.GetFromJsonAsync<JsonElement>("/api/status")).GetProperty("destinations")[0];
        Assert.Equal("paused", destination.GetProperty("health").GetString());
        Assert.Contains("40101", destination.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMinutes(1), destination.GetProperty("next_try").GetDateTimeOffset());
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, (await ntfy.WaitForMessagesAsync(2)).Count);
        Assert.Equal(4, ntfy.Requests);
    }

    private static byte[] Login(int n)
    {
        var node = JsonNode.Parse(AdminLogin)!;
        node["event"]!["pk"] = $"{n:x32}";
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    [Fact]
    public async Task APausedMessageDiesOnlyPastMaxAgeWithThatReason()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var wrongToken = EndToEndConfigs.AdminLogin.Replace("token: ${NTFY_TOKEN:-}", "token: tk_wrongwrongwrongwrongwrongwron", StringComparison.Ordinal);
        await using var bridge = await BridgeTestHost.StartAsync(wrongToken, ntfy, options: new TestHostOptions(Time: time));
        await bridge.PostHookAsync("authentik", AdminLogin);
        await bridge.Logs.WaitForMessageAsync("PAUSED destination");
        await DeliveryClock.QuietAsync(bridge);

        // Settled before the next move: a probe under way would otherwise time out on this clock.
        await DeliveryClock.AdvanceAndSettleAsync(bridge, time, TimeSpan.FromDays(2));
        Assert.Empty((await bridge.Store.ListMessagesAsync(new MessageFilter(MessageStatus.Dead), null, 10, CancellationToken.None)).Items);
        time.Advance(TimeSpan.FromDays(1));
        // The expiry sweep (or a failed probe) ends the message; both log it after the store has it.
        var died = bridge.Logs.WaitForAsync(e => e.RenderMessage().Contains("are now dead", StringComparison.Ordinal)
            || e.RenderMessage().StartsWith("Gave up on message", StringComparison.Ordinal));
        await DeliveryClock.RunUntilAsync(bridge, time, died);
        var dead = (await bridge.Store.ListMessagesAsync(new MessageFilter(MessageStatus.Dead), null, 10, CancellationToken.None)).Items;

        Assert.StartsWith("undelivered after 3 d (max_age)", Assert.Single(dead).DeadReason, StringComparison.Ordinal);
        Assert.Contains("40101", dead[0].DeadReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliveredRecordsArePurgedAfterTheRetentionPeriodAndDeadOnesAreKept()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy, options: new TestHostOptions(Time: time));
        ntfy.FailNext(400, code: 40009, error: "invalid request: topic invalid");
        await bridge.PostHookAsync("authentik", AdminLogin);
        await bridge.Logs.WaitForMessageAsync("ntfy rejected message");
        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("default-body-login-failed.json"));
        await ntfy.WaitForMessagesAsync(1);
        // Logged after the store records the delivery.
        await bridge.Logs.WaitForMessageAsync("Delivered message");

        time.Advance(TimeSpan.FromDays(8));

        await bridge.Logs.WaitForMessageAsync("Purged 1 delivered messages");
        var left = (await bridge.Store.ListMessagesAsync(new MessageFilter(), null, 10, CancellationToken.None)).Items;
        Assert.Equal(MessageStatus.Dead, Assert.Single(left).Status);
        Assert.Equal(1L, SqliteFile.Count(bridge.StorePath, "events"));
    }

}
