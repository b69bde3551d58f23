using Npgsql;
using static Bridge.Storage.Postgres.PostgresSql;

namespace Bridge.Storage.Postgres;

/// <summary>The admin API's reads and replays on PostgreSQL.</summary>
internal sealed class PostgresAdminStore(PostgresStore store) : IAdminStore
{
    private const string MessagesJoined = $"SELECT {MessageColumns} FROM messages m JOIN events e ON e.seq = m.event_seq";

    public Task<Page<StoredEvent>> ListEventsAsync(EventFilter filter, string? cursor, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return store.ReadAsync(async c =>
        {
            await using var q = Command(c, null, "");
            var where = new List<string> { "seq < @cursor" };
            q.Parameters.Set("cursor", ParseCursor(cursor) ?? long.MaxValue);
            if (filter.Action is { } action)
            {
                where.Add("action = @action");
                q.Parameters.Set("action", action);
            }
            if (filter.Rule is { } rule)
            {
                where.Add("@rule = ANY(matched)");
                q.Parameters.Set("rule", rule);
            }
            if (filter.Status is { } status)
            {
                where.Add("status = @status");
                q.Parameters.Set("status", (short)status);
            }
            q.CommandText = $"SELECT {EventColumns} FROM events WHERE {string.Join(" AND ", where)} ORDER BY seq DESC LIMIT @n";
            q.Parameters.Set("n", limit + 1);
            return ToPage(await ReadAllAsync(q, ReadEvent, ct), limit, e => e.Seq);
        }, ct);
    }

    public Task<IReadOnlyList<StoredEvent>> GetEventsAsync(string eventId, string? source, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<StoredEvent>>(async c =>
        {
            await using var q = Command(c, null, $"""
                SELECT DISTINCT ON (source) {EventColumns} FROM events WHERE event_id = @id AND (@source::text IS NULL OR source = @source) ORDER BY source, seq DESC
                """);
            q.Parameters.Set("id", eventId);
            q.Parameters.Set("source", NpgsqlTypes.NpgsqlDbType.Text, source);
            return await ReadAllAsync(q, ReadEvent, ct);
        }, ct);

    public Task<Page<StoredMessage>> ListMessagesAsync(MessageFilter filter, string? cursor, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return store.ReadAsync(async c =>
        {
            await using var q = Command(c, null, "");
            var where = MessageWhere(q, filter);
            q.CommandText = $"{MessagesJoined} WHERE {where} AND m.id > @cursor ORDER BY m.id LIMIT @n";
            q.Parameters.Set("cursor", ParseCursor(cursor) ?? 0);
            q.Parameters.Set("n", limit + 1);
            return ToPage(await ReadAllAsync(q, ReadMessage, ct), limit, m => m.Id);
        }, ct);
    }

    public Task<StoredMessage?> GetMessageAsync(long id, CancellationToken ct) =>
        store.ReadAsync(async c =>
        {
            await using var q = Command(c, null, $"{MessagesJoined} WHERE m.id = @id");
            q.Parameters.Set("id", id);
            return (await ReadAllAsync(q, ReadMessage, ct)).FirstOrDefault();
        }, ct);

    public Task<IReadOnlyList<StoredMessage>> GetMessagesOfEventAsync(long eventSeq, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<StoredMessage>>(async c =>
        {
            await using var q = Command(c, null, $"{MessagesJoined} WHERE m.event_seq = @s ORDER BY m.id");
            q.Parameters.Set("s", eventSeq);
            return await ReadAllAsync(q, ReadMessage, ct);
        }, ct);

    public Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(long messageId, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<AttemptRecord>>(async c =>
        {
            await using var q = Command(c, null, "SELECT message_id, at, outcome, http_status, ntfy_code, detail, duration_ms FROM attempts WHERE message_id = @m ORDER BY id");
            q.Parameters.Set("m", messageId);
            return await ReadAllAsync(q, r => new AttemptRecord(r.GetInt64(0), Time(r, 1), r.GetString(2),
                r.IsDBNull(3) ? null : r.GetInt32(3), r.IsDBNull(4) ? null : r.GetInt32(4), r.GetString(5), TimeSpan.FromMilliseconds(r.GetInt64(6))), ct);
        }, ct);

    public Task<StoreCounts> CountAsync(CancellationToken ct) =>
        store.ReadAsync(async c =>
        {
            int unprocessed;
            await using (var events = Command(c, null, "SELECT COUNT(*) FROM events WHERE status = 0"))
                unprocessed = (int)(long)(await events.ExecuteScalarAsync(ct))!;
            var counts = new Dictionary<string, IReadOnlyDictionary<MessageStatus, int>>(StringComparer.Ordinal);
            var retrying = new Dictionary<string, int>(StringComparer.Ordinal);
            await using var q = Command(c, null, "SELECT destination, status, COUNT(*), COUNT(*) FILTER (WHERE attempts > 0) FROM messages GROUP BY destination, status");
            await using var r = await q.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                if (!counts.TryGetValue(r.GetString(0), out var byStatus)) counts[r.GetString(0)] = byStatus = new Dictionary<MessageStatus, int>();
                var status = (MessageStatus)r.GetInt16(1);
                ((Dictionary<MessageStatus, int>)byStatus)[status] = (int)r.GetInt64(2);
                if (status == MessageStatus.Pending) retrying[r.GetString(0)] = (int)r.GetInt64(3);
            }
            return new StoreCounts(unprocessed, counts, retrying);
        }, ct);

    public Task<int> ReplayAsync(MessageFilter filter, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return store.WriteAsync(async (c, tx) =>
        {
            await using var replay = Command(c, tx, "");
            var where = MessageWhere(replay, filter with { Status = MessageStatus.Dead });
            replay.CommandText = $"""
                UPDATE messages SET status = 0, attempts = 0, next_attempt_at = {Now}, dead_reason = NULL, updated_at = {Now}
                WHERE id IN (SELECT m.id FROM messages m JOIN events e ON e.seq = m.event_seq WHERE {where} AND m.body IS NOT NULL)
                """;
            store.Clock.SetNow(replay, now);
            var replayed = await replay.ExecuteNonQueryAsync(ct);
            if (replayed > 0) await store.NotifyDueAsync(c, tx, ct);
            return replayed;
        }, ct);
    }

    public Task<bool> ReplayMappingAsync(long messageId, CancellationToken ct) =>
        store.WriteAsync(async (c, tx) =>
        {
            long eventSeq;
            string rule;
            await using (var remove = Command(c, tx, "DELETE FROM messages WHERE id = @m AND status = 2 AND body IS NULL RETURNING event_seq, rule"))
            {
                remove.Parameters.Set("m", messageId);
                await using var r = await remove.ExecuteReaderAsync(ct);
                if (!await r.ReadAsync(ct)) return false;
                eventSeq = r.GetInt64(0);
                rule = r.GetString(1);
            }
            // Unread again, so whichever instance's processor looks next takes it.
            await using var again = Command(c, tx, "UPDATE events SET status = 0, rules_to_run = @run, rules_left = NULL, read_until = NULL WHERE seq = @e");
            again.Parameters.Set("run", new[] { rule });
            again.Parameters.Set("e", eventSeq);
            await again.ExecuteNonQueryAsync(ct);
            return true;
        }, ct);

    private static string MessageWhere(NpgsqlCommand q, MessageFilter filter)
    {
        var where = new List<string> { "TRUE" };
        if (filter.Status is { } status)
        {
            // A literal, not a parameter: only then can the planner use the partial indexes that hold one status.
            where.Add(FormattableString.Invariant($"m.status = {(int)status}"));
        }
        if (filter.Destination is { } destination)
        {
            where.Add("m.destination = @fdest");
            q.Parameters.Set("fdest", destination);
        }
        if (filter.Rule is { } rule)
        {
            where.Add("m.rule = @frule");
            q.Parameters.Set("frule", rule);
        }
        if (filter.EventId is { } eventId)
        {
            where.Add("e.event_id = @fevent");
            q.Parameters.Set("fevent", eventId);
        }
        if (filter.Id is { } id)
        {
            where.Add("m.id = @fid");
            q.Parameters.Set("fid", id);
        }
        return string.Join(" AND ", where);
    }
}
