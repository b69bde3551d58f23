using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Bridge.Storage;
using Bridge.Tests.Support;

namespace Bridge.Tests.EndToEnd;

/// <summary>
/// Many sends on the wire at once, yet an update never overtakes what it updates: messages sharing a <c>sequence_id</c>
/// arrive in the order they were made, also when the first of them fails and is retried.
/// </summary>
public sealed class DeliveryOrderTests
{
    private const int Events = 8;

    private const string Config = """
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            retry: { schedule: [0s, 10ms, 10ms, 10ms], jitter: 0 }
            ORDERED
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - { name: updates, match: { action: login }, mapping: updates.js, topic: t }
        """;

    /// <summary>Three messages per event, the later ones updating the first (ntfy replaces a message by its sequence_id).</summary>
    private static readonly Dictionary<string, string> Mappings = new()
    {
        ["updates.js"] = """
            function map(event) {
              const seq = 'ev' + event.id.slice(-8);
              return [1, 2, 3].map(n => ({ title: String(n), message: event.user.username, sequence_id: seq }));
            }
            """,
    };

    [Fact]
    public async Task MessagesSharingASequenceIdArriveInOrderWhileOthersAreSentConcurrently()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        ntfy.HoldUntilConcurrent(4);
        // Among the first sends: each fails, its sequence's later messages must wait for its retry.
        ntfy.FailNext(503, times: 2);
        await using var bridge = await BridgeTestHost.StartAsync(Config.Replace("ORDERED", "", StringComparison.Ordinal), ntfy, Mappings);

        await PostEventsAsync(bridge);

        var published = await ntfy.WaitForMessagesAsync(Events * 3);
        Assert.True(ntfy.MaxConcurrent >= 4, $"at most {ntfy.MaxConcurrent} sends were on the wire at once");
        foreach (var sequence in published.GroupBy(m => m.Text("sequence_id")))
            Assert.Equal(["1", "2", "3"], sequence.Select(m => m.Text("title")));
    }

    [Fact]
    public async Task StrictOrderSendsOneAtATimeInTheOrderMessagesWereMade()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        ntfy.FailNext(503);
        await using var bridge = await BridgeTestHost.StartAsync(Config.Replace("ORDERED", "ordered: strict", StringComparison.Ordinal), ntfy, Mappings);

        await PostEventsAsync(bridge);

        var published = await ntfy.WaitForMessagesAsync(Events * 3);
        Assert.Equal(1, ntfy.MaxConcurrent);
        var expected = Enumerable.Range(0, Events).SelectMany(i => new[] { $"user{i}/1", $"user{i}/2", $"user{i}/3" });
        Assert.Equal(expected, published.Select(m => $"{m.Text("message")}/{m.Text("title")}"));
    }

    [Fact]
    public async Task WhileAnAnsweredSendIsNotYetCommittedNeitherItNorItsUpdatesAreSentAgain()
    {
        // A slot is free once ntfy answered, but the lease must hold until the settlement commits: here the commits wait
        // for the test, so every answered message is still pending in the store while the worker keeps claiming.
        HeldSettlements held = null!;
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config.Replace("ORDERED", "", StringComparison.Ordinal), ntfy, Mappings,
            new TestHostOptions(WrapStore: s => s with { Outbox = held = new HeldSettlements(s.Outbox) }));

        await PostEventsAsync(bridge);
        var first = await ntfy.WaitForMessagesAsync(Events);
        await bridge.Logs.WaitForCountAsync(e => e.MessageTemplate.Text.StartsWith("Delivered message", StringComparison.Ordinal), Events);
        // A later event's message is claimed in a round that starts after every answer above freed its slot.
        await PostEventAsync(bridge, "f", "marker");
        var markerFirst = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        await bridge.Logs.WaitForCountAsync(e => e.MessageTemplate.Text.StartsWith("Delivered message", StringComparison.Ordinal), Events + 1);

        Assert.Equal("marker", markerFirst.Text("message"));
        Assert.All(first, m => Assert.Equal("1", m.Text("title")));
        Assert.Equal(Events, first.Select(m => m.Text("sequence_id")).Distinct().Count());
        Assert.Equal(Events + 1, ntfy.Published.Count);
        Assert.Equal(held.Claimed.Count, held.Claimed.Distinct().Count());

        await held.CommitAsync();
        // The worker was told of those commits long ago; a new event wakes it, as the commit's own wake would.
        await PostEventAsync(bridge, "e", "after");
        const int All = (Events + 2) * 3;
        var rest = await ntfy.WaitForMessagesAsync(All - Events - 1);
        await bridge.Logs.WaitForCountAsync(e => e.MessageTemplate.Text.StartsWith("Delivered message", StringComparison.Ordinal), All);

        var published = first.Append(markerFirst).Concat(rest).ToList();
        Assert.Equal(All, ntfy.Published.Count);
        Assert.Equal(All, held.Claimed.Distinct().Count());
        Assert.Equal(held.Claimed.Count, held.Claimed.Distinct().Count());
        foreach (var sequence in published.GroupBy(m => m.Text("sequence_id")))
            Assert.Equal(["1", "2", "3"], sequence.Select(m => m.Text("title")));
    }

    private static async Task PostEventsAsync(BridgeTestHost bridge)
    {
        for (var i = 0; i < Events; i++) await PostEventAsync(bridge, $"{i:x32}", $"user{i}");
    }

    /// <param name="id">The event's id, left-padded with its own last digit to 32 (the mapping's sequence_id is its end).</param>
    private static async Task PostEventAsync(BridgeTestHost bridge, string id, string username)
    {
        using var answer = await bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(
            $$$"""{"pk": "{{{id.PadLeft(32, id[^1])}}}", "action": "login", "user": {"pk": 1, "username": "{{{username}}}"}, "context": {}}"""));
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
    }

    /// <summary>
    /// An outbox whose settlements are not committed until <see cref="CommitAsync"/>: the worker is told they were, and
    /// their leases stay held meanwhile, as while a slow commit is under way. Records every message it hands out.
    /// </summary>
    private sealed class HeldSettlements(IOutbox inner) : IOutbox
    {
        private readonly Lock _gate = new();
        private readonly List<Settlement> _held = [];
        private bool _holding = true;

        public ConcurrentQueue<long> Claimed { get; } = new();

        public async Task CommitAsync()
        {
            Settlement[] held;
            lock (_gate)
            {
                _holding = false;
                held = [.. _held];
            }
            Assert.Equal(Events + 1, await inner.SettleAsync(held, CancellationToken.None));
        }

        public async Task<IReadOnlyList<OutboxLease>> ClaimAsync(string destination, ClaimOrder order, DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct)
        {
            var claimed = await inner.ClaimAsync(destination, order, now, limit, lease, ct);
            foreach (var l in claimed) Claimed.Enqueue(l.Message.Id);
            return claimed;
        }

        public Task<int> SettleAsync(IReadOnlyList<Settlement> settlements, CancellationToken ct)
        {
            lock (_gate)
            {
                if (_holding)
                {
                    _held.AddRange(settlements);
                    return Task.FromResult(settlements.Count);
                }
            }
            return inner.SettleAsync(settlements, ct);
        }

        public Task<DateTimeOffset?> GetNextDueAsync(string destination, ClaimOrder order, CancellationToken ct) => inner.GetNextDueAsync(destination, order, ct);
        public Task ReleaseAsync(IReadOnlyList<OutboxLease> leases, CancellationToken ct) => inner.ReleaseAsync(leases, ct);
        public Task<int> ExpireAsync(string destination, DateTimeOffset createdBefore, DateTimeOffset now, string reason, CancellationToken ct) =>
            inner.ExpireAsync(destination, createdBefore, now, reason, ct);
        public Task<IReadOnlyList<string>> GetDestinationsWithPendingAsync(CancellationToken ct) => inner.GetDestinationsWithPendingAsync(ct);
        public Task<int> MoveAsync(string from, string to, DateTimeOffset now, string note, CancellationToken ct) => inner.MoveAsync(from, to, now, note, ct);
    }
}
