using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bridge.Storage;
using Bridge.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.EndToEnd;

/// <summary>
/// Delivery in a storm, through the real host on a fake clock, against a fake ntfy that enforces ntfy's limits: the
/// bridge paces itself by ntfy's bucket instead of collecting 429s, an urgent message jumps the flood, and a used-up
/// daily quota holds the destination until midnight UTC or hands its messages to the fallback. Nothing is lost.
/// </summary>
public sealed class StormDeliveryTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>ntfy's default pace (no rate key); admin logins by <paramref name="adminRule"/>, failed logins (priority 4) by the built-in mapping.</summary>
    private static string Config(string adminRule, string destinationKeys = "", string moreDestinations = "") => $$"""
        {{EndToEndConfigs.RoomyMappingLimits}}
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            timeout: 2s
            {{destinationKeys}}
          {{moreDestinations}}
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - { name: admin-login, destination: ntfy, match: { action: login, group: authentik Admins }, topic: gauth{{adminRule}} }
          - { name: failed-login, destination: ntfy, match: { action: login_failed }, topic: failures }
        """;

    public static TheoryData<string> UrgentAdminRules => new()
    {
        // The shipped mapping says "high" (4), as the flood: the rule's urgent flag puts it first.
        ", mapping: admin-login.js, urgent: true",
        // The built-in mapping gives an alert priority 5.
        "",
    };

    [Theory]
    [MemberData(nameof(UrgentAdminRules))]
    public async Task AFloodOf500IsPacedWithoutLossAndAnAdminLoginPostedInItsMiddleGoesBeforeEveryQueuedFloodMessage(string adminRule)
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Noon);
        ntfy.EnforceLimits(time);
        await using var bridge = await BridgeTestHost.StartAsync(Config(adminRule), ntfy, options: new TestHostOptions(Time: time));

        await PostFailedLoginsAsync(bridge, 0, 100);
        // The bucket's burst is spent and the rest waits for tokens, on a clock that has not moved.
        await ntfy.WaitForMessagesAsync(60);
        await bridge.Logs.WaitForMessageAsync("is paced");
        Assert.Equal("paced", await PacingAsync(bridge));
        await AllMappedAsync(bridge, 100);
        var (exit, status) = await StatusAsync(bridge);
        Assert.Equal(0, exit);
        Assert.Contains("PACED: 40 messages wait for tokens (0 of 60 tokens left, one per 5 s)", status, StringComparison.Ordinal);
        using (var admin = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json")))
            Assert.Equal(HttpStatusCode.Accepted, admin.StatusCode);
        await PostFailedLoginsAsync(bridge, 100, 400);
        await AllMappedAsync(bridge, 501);

        var rest = ntfy.WaitForMessagesAsync(441, TimeSpan.FromMinutes(2));
        await DeliveryClock.RunUntilAsync(bridge, time, rest, steps: 5_000);

        var published = ntfy.Published.ToList();
        var order = (await rest).Select(m => m.Topic).ToList();
        Assert.Equal("gauth", order[0]);
        Assert.Equal(500, published.Count(m => m.Topic == "failures"));
        Assert.Equal(500, published.Where(m => m.Topic == "failures").Select(m => m.Text("sequence_id")).Distinct().Count());
        // It paced itself at ntfy's rate: 440 more sends after the burst, 5 s apart.
        Assert.Equal(Noon + TimeSpan.FromSeconds(5 * 441), time.GetUtcNow());
        Assert.Empty(ntfy.RateLimited);
        await DeliveryClock.QuietAsync(bridge);
        var counts = await bridge.Store.CountAsync(CancellationToken.None);
        Assert.Equal(501, counts.Messages["ntfy"].GetValueOrDefault(MessageStatus.Delivered));
        Assert.Equal("open", await PacingAsync(bridge));
    }

    [Fact]
    public async Task ABridgeRestartedMidStormMeetsAFewTooManyRequestsAndSlowsDownLosingNothing()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Noon);
        ntfy.EnforceLimits(time);
        // As a bridge restarted mid-storm, whose fresh bucket is full while ntfy's for its address is nearly empty (these
        // carry no token: each is refused 403, after taking its request from the bucket).
        using (var other = new HttpClient())
        {
            for (var i = 0; i < 57; i++)
                using (await other.PostAsync(ntfy.Url, new StringContent($$"""{"topic":"warmup","message":"{{i}}"}""", Encoding.UTF8, "application/json"))) { }
        }
        await using var bridge = await BridgeTestHost.StartAsync(Config(""), ntfy, options: new TestHostOptions(Time: time));

        await PostFailedLoginsAsync(bridge, 0, 40);
        await AllMappedAsync(bridge, 40);
        var all = ntfy.WaitForMessagesAsync(40, TimeSpan.FromMinutes(1));
        await DeliveryClock.RunUntilAsync(bridge, time, all);

        Assert.Equal(40, (await all).Count(m => m.Topic == "failures"));
        // At most one 42901 per send under way when ntfy's bucket ran dry (max_in_flight), then the bridge paced itself at
        // half its pace (those answers slowed it once, not once each).
        Assert.InRange(ntfy.RateLimited.Count, 1, 16);
        Assert.Equal(1, Assert.Single(bridge.Services.GetRequiredService<Bridge.Delivery.DeliveryWorker>().Destinations).Pace.TimesSlowed);
        Assert.All(ntfy.RateLimited, code => Assert.Equal(42901, code));
        await bridge.Logs.WaitForMessageAsync("to slow down");
        await DeliveryClock.QuietAsync(bridge);
        var counts = await bridge.Store.CountAsync(CancellationToken.None);
        Assert.Equal(40, counts.Messages["ntfy"].GetValueOrDefault(MessageStatus.Delivered));
        Assert.Equal(0, counts.Messages["ntfy"].GetValueOrDefault(MessageStatus.Dead));
    }

    [Fact]
    public async Task AUsedUpDailyQuotaHoldsTheDestinationUntilJustAfterMidnightUtcThenDeliversTheRest()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Noon);
        ntfy.EnforceLimits(time, dailyQuota: 5);
        await using var bridge = await BridgeTestHost.StartAsync(Config(""), ntfy, options: new TestHostOptions(Time: time));

        await PostFailedLoginsAsync(bridge, 0, 8);
        await AllMappedAsync(bridge, 8);
        await ntfy.WaitForMessagesAsync(5);
        await bridge.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("HOLDING destination", StringComparison.Ordinal));
        await DeliveryClock.QuietAsync(bridge);
        var held = await DestinationAsync(bridge);
        Assert.Equal("holding", held.GetProperty("pacing").GetString());
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 0, 1, 0, TimeSpan.Zero), held.GetProperty("hold_until").GetDateTimeOffset());
        Assert.Contains("daily message quota", held.GetProperty("hold_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, held.GetProperty("pending").GetInt32());
        var (exit, status) = await StatusAsync(bridge);
        Assert.Equal(2, exit);
        Assert.Contains("HOLDING until 2026-03-02 00:01:00Z: ntfy's daily message quota is used up (HTTP 429, code 42908", status, StringComparison.Ordinal);

        // Nothing goes before the hold ends (the worker wakes on its own at least every 30 s, and finds it held).
        await DeliveryClock.AdvanceAndSettleAsync(bridge, time, new DateTimeOffset(2026, 3, 2, 0, 0, 59, TimeSpan.Zero) - time.GetUtcNow());
        Assert.Equal(5, ntfy.Published.Count);
        var rest = ntfy.WaitForMessagesAsync(3);
        await DeliveryClock.AdvanceAndSettleAsync(bridge, time, TimeSpan.FromSeconds(1));

        Assert.Equal(3, (await rest).Count);
        Assert.All(ntfy.RateLimited, code => Assert.Equal(42908, code));
        await DeliveryClock.QuietAsync(bridge);
        Assert.Equal(8, (await bridge.Store.CountAsync(CancellationToken.None)).Messages["ntfy"].GetValueOrDefault(MessageStatus.Delivered));
    }

    [Fact]
    public async Task ABridgeRestartedDuringTheDailyQuotaHoldKeepsHoldingWithoutMeetingTheQuotaAgain()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Noon);
        ntfy.EnforceLimits(time, dailyQuota: 5);
        using var directory = new TempDirectory();
        var options = new TestHostOptions(Directory: directory, Time: time);
        await using (var first = await BridgeTestHost.StartAsync(Config(""), ntfy, options: options))
        {
            await PostFailedLoginsAsync(first, 0, 8);
            await AllMappedAsync(first, 8);
            await ntfy.WaitForMessagesAsync(5);
            await first.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("HOLDING destination", StringComparison.Ordinal));
            await DeliveryClock.QuietAsync(first);
        }
        var requests = ntfy.Requests;

        await using var second = await BridgeTestHost.StartAsync(Config(""), ntfy, options: options);
        await DeliveryClock.QuietAsync(second);

        // The hold came back from the store: nothing was sent to meet the quota again.
        Assert.Equal(requests, ntfy.Requests);
        var held = await DestinationAsync(second);
        Assert.Equal("holding", held.GetProperty("pacing").GetString());
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 0, 1, 0, TimeSpan.Zero), held.GetProperty("hold_until").GetDateTimeOffset());
        Assert.Contains("daily message quota", held.GetProperty("hold_reason").GetString(), StringComparison.Ordinal);
        var rest = ntfy.WaitForMessagesAsync(3);
        await DeliveryClock.AdvanceAndSettleAsync(second, time, new DateTimeOffset(2026, 3, 2, 0, 1, 0, TimeSpan.Zero) - time.GetUtcNow());
        Assert.Equal(3, (await rest).Count);
    }

    [Fact]
    public async Task AUsedUpDailyQuotaMovesTheWaitingMessagesToTheFallbackAndLaterOnesFollow()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var backup = await FakeNtfy.StartAsync(token: null);
        var time = new FakeTimeProvider(Noon);
        ntfy.EnforceLimits(time, dailyQuota: 5);
        var config = Config("", "fallback: backup", "backup: { url: \"${BACKUP_URL}\" }");
        await using var bridge = await BridgeTestHost.StartAsync(config, ntfy,
            options: new TestHostOptions(Time: time, Environment: new Dictionary<string, string> { ["BACKUP_URL"] = backup.Url.ToString() }));

        await PostFailedLoginsAsync(bridge, 0, 8);
        var moved = backup.WaitForMessagesAsync(3);
        await ntfy.WaitForMessagesAsync(5);
        await bridge.Logs.WaitForAsync(e => e.MessageTemplate.Text.Contains("moved to its fallback", StringComparison.Ordinal));
        await moved;
        // Made while the quota holds the destination: straight on to the fallback.
        await PostFailedLoginsAsync(bridge, 8, 2);
        await backup.WaitForMessagesAsync(2);

        Assert.Equal(5, ntfy.Published.Count);
        Assert.Equal(5, backup.Published.Count);
        Assert.Equal(10, backup.Published.Concat(ntfy.Published).Select(m => m.Text("sequence_id")).Distinct().Count());
        await DeliveryClock.QuietAsync(bridge);
        var counts = await bridge.Store.CountAsync(CancellationToken.None);
        Assert.Equal(5, counts.Messages["backup"].GetValueOrDefault(MessageStatus.Delivered));
        Assert.Equal("backup", (await DestinationAsync(bridge)).GetProperty("fallback").GetString());
        Assert.Equal(Noon, time.GetUtcNow());
    }

    /// <summary>Failed logins <paramref name="from"/>, <paramref name="from"/>+1, …, each a distinct event.</summary>
    private static async Task PostFailedLoginsAsync(BridgeTestHost bridge, int from, int count)
    {
        var template = TestPaths.ReadAuthentikPayload("event-login-failed.json");
        for (var i = from; i < from + count; i++)
        {
            var node = JsonNode.Parse(template)!;
            node["event"]!["pk"] = $"{i:x32}";
            using var answer = await bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(node.ToJsonString()));
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        }
    }

    /// <summary>Waits until the processor has made <paramref name="messages"/> messages (each commit wakes the worker, which logs).</summary>
    private static async Task AllMappedAsync(BridgeTestHost bridge, int messages)
    {
        for (var i = 0; i < 1_000; i++)
        {
            var next = bridge.Logs.WaitForNextAsync(e => e.MessageTemplate.Text.StartsWith("Delivery idle until", StringComparison.Ordinal));
            var counts = await bridge.Store.CountAsync(CancellationToken.None);
            if (counts.Messages.Values.Sum(byStatus => byStatus.Values.Sum()) >= messages) return;
            await next;
        }
        throw new TimeoutException($"fewer than {messages} messages were made");
    }

    private static async Task<JsonElement> DestinationAsync(BridgeTestHost bridge)
    {
        var status = await bridge.Client.GetFromJsonAsync<JsonElement>("/api/status");
        return status.GetProperty("destinations").EnumerateArray().First(d => d.GetProperty("name").GetString() == "ntfy");
    }

    /// <summary>What <c>bridge status</c> prints, and its exit code.</summary>
    private static async Task<(int Exit, string Output)> StatusAsync(BridgeTestHost bridge)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await Bridge.Cli.StatusCommand.RunAsync(Bridge.Cli.BridgeCli.Create().Parse(["status", "--url", bridge.Client.BaseAddress!.ToString()]),
            output, errors, CancellationToken.None);
        return (exit, output.ToString());
    }

    private static async Task<string?> PacingAsync(BridgeTestHost bridge) => (await DestinationAsync(bridge)).GetProperty("pacing").GetString();
}
