using System.Globalization;
using Microsoft.Data.Sqlite;
using static Bridge.Storage.SqliteSql;

namespace Bridge.Storage;

/// <summary>The admin API's reads and replays on SQLite.</summary>
internal sealed class SqliteAdminStore(SqliteStore store) : IAdminStore
{
    public Task<Page<StoredEvent>> ListEventsAsync(EventFilter filter, string? cursor, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return store.ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, "");
            var where = new List<string> { "seq < $cursor" };
            q.Parameters.AddWithValue("$cursor", AdminQueries.ParseCursor(cursor) ?? long.MaxValue);
            if (filter.Action is { } action)
            {
                where.Add("action = $action");
                q.Parameters.AddWithValue("$action", action);
            }
            if (filter.Rule is { } rule)
            {
                where.Add("instr(matched, $rule) > 0");
                q.Parameters.AddWithValue("$rule", "," + rule + ",");
            }
            if (filter.Status is { } status)
            {
                where.Add("status = $status");
                q.Parameters.AddWithValue("$status", (int)status);
            }
            q.CommandText = $"SELECT {EventColumns} FROM events_full WHERE {string.Join(" AND ", where)} ORDER BY seq DESC LIMIT $n";
            q.Parameters.AddWithValue("$n", limit + 1);
            return AdminQueries.ToPage(ReadAll(q, ReadEvent), limit, e => e.Seq);
        });
    }

    public Task<IReadOnlyList<StoredEvent>> GetEventsAsync(string eventId, string? source, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<StoredEvent>>((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT {EventColumns} FROM events_full WHERE event_id = $id AND ($source IS NULL OR source = $source) ORDER BY source, seq DESC");
            q.Parameters.AddWithValue("$id", eventId);
            q.Parameters.AddWithValue("$source", (object?)source ?? DBNull.Value);
            // Newest first within each source: the first row of a source is its newest.
            var newest = new List<StoredEvent>();
            foreach (var e in ReadAll(q, ReadEvent))
            {
                if (newest.Count == 0 || newest[^1].Source != e.Source) newest.Add(e);
            }
            return newest;
        });

    public Task<Page<StoredMessage>> ListMessagesAsync(MessageFilter filter, string? cursor, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return store.ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, "");
            var where = MessageWhere(q, filter);
            q.CommandText = $"SELECT {MessageColumns} FROM messages m JOIN events e ON e.seq = m.event_seq WHERE {where} AND m.id > $cursor ORDER BY m.id LIMIT $n";
            q.Parameters.AddWithValue("$cursor", AdminQueries.ParseCursor(cursor) ?? 0);
            q.Parameters.AddWithValue("$n", limit + 1);
            return AdminQueries.ToPage(ReadAll(q, ReadMessage), limit, m => m.Id);
        });
    }

    public Task<StoredMessage?> GetMessageAsync(long id, CancellationToken ct) =>
        store.ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT {MessageColumns} FROM messages m JOIN events e ON e.seq = m.event_seq WHERE m.id = $id");
            q.Parameters.AddWithValue("$id", id);
            return ReadAll(q, ReadMessage).FirstOrDefault();
        });

    public Task<IReadOnlyList<StoredMessage>> GetMessagesOfEventAsync(long eventSeq, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<StoredMessage>>((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT {MessageColumns} FROM messages m JOIN events e ON e.seq = m.event_seq WHERE m.event_seq = $s ORDER BY m.id");
            q.Parameters.AddWithValue("$s", eventSeq);
            return ReadAll(q, ReadMessage);
        });

    public Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(long messageId, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<AttemptRecord>>((c, tx) =>
        {
            using var q = Command(c, tx, "SELECT message_id, at, outcome, http_status, ntfy_code, detail, duration_ms FROM attempts WHERE message_id = $m ORDER BY id");
            q.Parameters.AddWithValue("$m", messageId);
            return ReadAll(q, r => new AttemptRecord(r.GetInt64(0), FromMs(r.GetInt64(1)), r.GetString(2),
                r.IsDBNull(3) ? null : r.GetInt32(3), r.IsDBNull(4) ? null : r.GetInt32(4), r.GetString(5), TimeSpan.FromMilliseconds(r.GetInt64(6))));
        });

    public Task<StoreCounts> CountAsync(CancellationToken ct) =>
        store.ReadAsync((c, tx) =>
        {
            var unprocessed = Convert.ToInt32(Scalar(c, tx, "SELECT COUNT(*) FROM events WHERE status = 0"), CultureInfo.InvariantCulture);
            var counts = new Dictionary<string, IReadOnlyDictionary<MessageStatus, int>>(StringComparer.Ordinal);
            var retrying = new Dictionary<string, int>(StringComparer.Ordinal);
            using var q = Command(c, tx, "SELECT destination, status, COUNT(*), SUM(attempts > 0) FROM messages GROUP BY destination, status");
            using var r = q.ExecuteReader();
            while (r.Read())
            {
                if (!counts.TryGetValue(r.GetString(0), out var byStatus)) counts[r.GetString(0)] = byStatus = new Dictionary<MessageStatus, int>();
                var status = (MessageStatus)r.GetInt32(1);
                ((Dictionary<MessageStatus, int>)byStatus)[status] = r.GetInt32(2);
                if (status == MessageStatus.Pending) retrying[r.GetString(0)] = r.GetInt32(3);
            }
            return new StoreCounts(unprocessed, counts, retrying);
        });

    public Task<int> ReplayAsync(MessageFilter filter, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return store.WriteAsync((c, tx) =>
        {
            using var replay = Command(c, tx, "");
            var where = MessageWhere(replay, filter with { Status = MessageStatus.Dead });
            replay.CommandText = $"""
                UPDATE messages SET status = 0, attempts = 0, next_attempt_at = $now, dead_reason = NULL, updated_at = $now
                WHERE id IN (SELECT m.id FROM messages m JOIN events e ON e.seq = m.event_seq WHERE {where} AND m.body IS NOT NULL)
                """;
            replay.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return replay.ExecuteNonQuery();
        });
    }

    public Task<bool> ReplayMappingAsync(long messageId, CancellationToken ct) =>
        store.WriteAsync((c, tx) =>
        {
            using var find = Command(c, tx, "SELECT event_seq, rule FROM messages WHERE id = $m AND status = 2 AND body IS NULL");
            find.Parameters.AddWithValue("$m", messageId);
            long eventSeq;
            string rule;
            using (var r = find.ExecuteReader())
            {
                if (!r.Read()) return false;
                eventSeq = r.GetInt64(0);
                rule = r.GetString(1);
            }
            using var remove = Command(c, tx, "DELETE FROM messages WHERE id = $m");
            remove.Parameters.AddWithValue("$m", messageId);
            remove.ExecuteNonQuery();
            using var again = Command(c, tx, "UPDATE events SET status = 0, rules_to_run = $run, rules_left = NULL WHERE seq = $e");
            again.Parameters.AddWithValue("$run", WriteList([rule]));
            again.Parameters.AddWithValue("$e", eventSeq);
            again.ExecuteNonQuery();
            return true;
        });

    private static string MessageWhere(SqliteCommand q, MessageFilter filter) =>
        AdminQueries.MessageWhere(filter, '$', (name, value) => q.Parameters.AddWithValue(name, value));
}
