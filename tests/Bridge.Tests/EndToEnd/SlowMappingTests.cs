using System.Net;
using System.Text;
using Bridge.Storage;
using Bridge.Tests.Support;

namespace Bridge.Tests.EndToEnd;

/// <summary>
/// A mapping that runs into its time limit holds back only its own rule: an unrelated rule's event, posted after a
/// queue of slow ones, is mapped and delivered while the slow ones are still being worked through. Judged by what the
/// bridge reports (which events it has processed when the message arrives), not by timings.
/// </summary>
public sealed class SlowMappingTests
{
    private const int Slow = 20;

    private const string Config = """
        mapping_limits: { timeout: 200ms, max_statements: 100000000, max_concurrency: 2 }
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - { name: slow, match: { action: custom_slow }, mapping: slow.js, topic: slow }
          - { name: fast, match: { action: login }, topic: fast }
        """;

    [Fact]
    public async Task ASlowMappingQueuedFirstDoesNotHoldBackAnotherRulesMessage()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        using var directory = new TempDirectory();
        var mappings = new Dictionary<string, string> { ["slow.js"] = "function map() { while (true) {} }" };
        var slowIds = Enumerable.Range(0, Slow).Select(i => $"{i:x32}").ToHashSet();
        // Queued first for certain: a bridge that maps nothing takes them all, then the fast one, and stops.
        await using (var taking = await BridgeTestHost.StartAsync(Config, ntfy, mappings,
            new TestHostOptions(directory, WrapStore: s => s with { Events = new NeverMapping(s.Events) })))
        {
            foreach (var id in slowIds)
            {
                using var answer = await taking.PostHookAsync("authentik", Event(id, "custom_slow"));
                Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
            }
            using var fast = await taking.PostHookAsync("authentik", Event("f".PadLeft(32, '0'), "login"));
            Assert.Equal(HttpStatusCode.Accepted, fast.StatusCode);
        }

        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, mappings, new TestHostOptions(directory));
        var delivered = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        var slowDoneBefore = ProcessedSlow(bridge, slowIds);

        Assert.Equal("fast", delivered.Topic);
        // Mapped in arrival order one after the other, all 20 would have run into their limit first (4 s).
        Assert.InRange(slowDoneBefore, 0, Slow / 2);
        // The slow ones did run, each into its time limit, and each is recorded as dead.
        await bridge.Logs.WaitForCountAsync(e => e.MessageTemplate.Text.StartsWith("Processed event", StringComparison.Ordinal), Slow + 1, TimeSpan.FromSeconds(60));
        var dead = (await bridge.Store.ListMessagesAsync(new MessageFilter(MessageStatus.Dead, Rule: "slow"), null, 100, CancellationToken.None)).Items;
        Assert.Equal(Slow, dead.Count);
        Assert.All(dead, m => Assert.Contains("timeout", m.DeadReason, StringComparison.Ordinal));
    }

    private static int ProcessedSlow(BridgeTestHost bridge, HashSet<string> slowIds) =>
        bridge.Logs.Events.Count(e => e.MessageTemplate.Text.StartsWith("Processed event", StringComparison.Ordinal)
            && e.Properties.TryGetValue("EventId", out var id) && slowIds.Contains(id.ToString().Trim('"')));

    /// <summary>Commits events but never what their mappings make.</summary>
    private sealed class NeverMapping(IEventLog inner) : ForwardingEventLog(inner)
    {
        public override Task CommitMappedAsync(IReadOnlyList<MappedRule> mapped, DateTimeOffset at, CancellationToken ct) => Task.Delay(Timeout.Infinite, ct);
    }

    private static byte[] Event(string pk, string action) => Encoding.UTF8.GetBytes(
        $$$"""{"pk": "{{{pk}}}", "action": "{{{action}}}", "user": {"pk": 1, "username": "alice"}, "context": {}}""");
}
