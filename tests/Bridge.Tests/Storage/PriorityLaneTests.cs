using Bridge.Storage;
using Bridge.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Tests.Storage;

/// <summary>The lanes (schema 7): a higher lane is claimed before a destination's waiting lower ones, within the outbox's ordering rules.</summary>
public sealed class PriorityLaneTests
{
    [Fact]
    public async Task AnUrgentMessageIsClaimedBeforeEveryOlderWaitingHighOrNormalOne()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        await AddAsync(kit, ("flood", "f1", MessageLane.High), ("quiet", "n1", MessageLane.Normal), ("flood", "f2", MessageLane.High),
            ("flood", "f3", MessageLane.High), ("admin", "a1", MessageLane.Urgent));

        var first = await ClaimAsync(kit, ClaimOrder.BySequence, 2);
        var rest = await ClaimAsync(kit, ClaimOrder.BySequence, 10);

        Assert.Equal(["a1", "f1"], first.Select(Sequence));
        Assert.Equal([MessageLane.Urgent, MessageLane.High], first.Select(l => l.Message.Lane));
        Assert.Equal(["f2", "f3", "n1"], rest.Select(Sequence));
    }

    [Fact]
    public async Task AnUrgentMessageStillWaitsForAnOlderPendingOneWithItsSequenceId()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        await AddAsync(kit, ("t", "card", MessageLane.Normal), ("t", "card", MessageLane.Urgent), ("t", "other", MessageLane.Urgent));

        var claimed = await ClaimAsync(kit, ClaimOrder.BySequence, 10);

        // The urgent update of "card" may not overtake the card it updates; the other urgent one goes first.
        Assert.Equal([(MessageLane.Urgent, "other"), (MessageLane.Normal, "card")], claimed.Select(l => (l.Message.Lane, Sequence(l))));
    }

    [Fact]
    public async Task UnderStrictOrderAnUrgentMessageOvertakesOtherTopicsButNotAnOlderOneOfItsOwn()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        await AddAsync(kit, ("flood", "f1", MessageLane.Normal), ("flood", "f2", MessageLane.Urgent), ("other", "o1", MessageLane.Normal), ("admin", "a1", MessageLane.Urgent));

        var claimed = await ClaimAsync(kit, ClaimOrder.StrictPerTopic, 10);

        Assert.Equal(["a1", "f1", "o1"], claimed.Select(Sequence));
    }

    [Fact]
    public async Task AVersion6FileMovesItsPendingPriority4And5MessagesToTheirLanes()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "bridge.db");
        SqliteFile.AtVersion(path, 6, """
            INSERT INTO events (event_id, source, status, received_at, dedupe_key, matched, rules_to_run)
                VALUES ('e', 'authentik', 1, 0, 'k', ',r,', '["r"]');
            INSERT INTO event_data (seq, body, event_json, verdicts) VALUES (1, X'7B7D', X'7B7D', '[]');
            INSERT INTO messages (event_seq, rule, idx, destination, topic, body, status, attempts, next_attempt_at, created_at, updated_at, sequence_id)
                VALUES (1, 'r', 0, 'ntfy', 't', CAST('{"topic":"t","priority":3}' AS BLOB), 0, 0, 0, 0, 0, 's0'),
                       (1, 'r', 1, 'ntfy', 't', CAST('{"topic":"t","priority":5}' AS BLOB), 0, 0, 0, 0, 0, 's1'),
                       (1, 'r', 2, 'ntfy', 't', CAST('{"topic":"t","priority":4}' AS BLOB), 1, 1, 0, 0, 0, 's2'),
                       (1, 'r', 3, 'ntfy', 't', NULL, 2, 0, 0, 0, 0, NULL),
                       (1, 'r', 4, 'ntfy', 't', CAST('{"topic":"t","priority":4}' AS BLOB), 0, 0, 0, 0, 0, 's4');
            """);

        await using var store = SqliteStore.Open(path, TimeProvider.System, NullLogger<SqliteStore>.Instance);

        Assert.Equal("1:0,2:2,3:0,4:0,5:1", SqliteFile.Scalar(path, "SELECT group_concat(id || ':' || lane) FROM (SELECT id, lane FROM messages ORDER BY id)"));
        var claimed = await store.Outbox.ClaimAsync("ntfy", ClaimOrder.BySequence, DateTimeOffset.UtcNow, 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal([2L, 5L, 1L], claimed.Select(l => l.Message.Id));
    }

    [Fact]
    public async Task TheLanesIndexHoldsOnlyPendingMessagesAboveNormal()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        await AddAsync(kit, ("t", "n", MessageLane.Normal), ("t", "u", MessageLane.Urgent));
        var urgent = (await ClaimAsync(kit, ClaimOrder.BySequence, 10))[0];
        var now = kit.Time.GetUtcNow();
        await kit.Store.Outbox.SettleAsync([new Settlement(urgent, new AttemptRecord(urgent.Message.Id, now, "delivered", 200, null, "ok", TimeSpan.Zero),
            new MessageUpdate(MessageStatus.Delivered, 1, now, null, null))], CancellationToken.None);

        Assert.Equal(0L, SqliteFile.Scalar(kit.Path, "SELECT COUNT(*) FROM messages INDEXED BY messages_lane_order WHERE status = 0 AND lane > 0"));
        Assert.Equal(2L, SqliteFile.Count(kit.Path, "messages"));
    }

    private static Task<IReadOnlyList<OutboxLease>> ClaimAsync(StoreTestKit kit, ClaimOrder order, int limit) =>
        kit.Store.Outbox.ClaimAsync("ntfy", order, kit.Time.GetUtcNow(), limit, TimeSpan.FromMinutes(1), CancellationToken.None);

    private static string Sequence(OutboxLease lease) =>
        System.Text.Json.JsonDocument.Parse(lease.Message.Body!).RootElement.GetProperty("sequence_id").GetString()!;

    /// <summary>One event whose rule made these messages (topic, sequence_id, lane) to destination ntfy, in this order.</summary>
    private static async Task AddAsync(StoreTestKit kit, params (string Topic, string SequenceId, MessageLane Lane)[] messages)
    {
        var now = kit.Time.GetUtcNow();
        var accepted = await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event(), "r"), CancellationToken.None);
        var made = messages.Select((m, i) => new NewMessage("r", i, "ntfy", m.Topic,
            System.Text.Encoding.UTF8.GetBytes($"{{\"topic\":\"{m.Topic}\",\"sequence_id\":\"{m.SequenceId}\"}}"), MessageStatus.Pending, null, now, m.SequenceId)
        {
            Lane = m.Lane,
        }).ToList();
        await kit.Store.Events.CommitMappedAsync([new Bridge.Storage.MappedRule(accepted.Seq, "r", made, null)], now, CancellationToken.None);
    }
}
