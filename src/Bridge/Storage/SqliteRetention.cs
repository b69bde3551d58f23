using static Bridge.Storage.SqliteSql;

namespace Bridge.Storage;

/// <summary>The retention purge on SQLite.</summary>
internal sealed class SqliteRetention(SqliteStore store) : IStoreRetention
{
    public Task<PurgeResult> PurgeAsync(DateTimeOffset before, DateTimeOffset now, CancellationToken ct) =>
        store.WriteAsync((c, tx) =>
        {
            using var messages = Command(c, tx, "DELETE FROM messages WHERE status = 1 AND updated_at < $before");
            messages.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            var m = messages.ExecuteNonQuery();
            // An event a throttle's period names stays until the period's digest is made: the digest's messages go under it.
            using var events = Command(c, tx, """
                DELETE FROM events WHERE status = 1 AND received_at < $before
                AND NOT EXISTS (SELECT 1 FROM messages WHERE messages.event_seq = events.seq)
                AND NOT EXISTS (SELECT 1 FROM throttles WHERE throttles.last_event_seq = events.seq)
                """);
            events.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            var e = events.ExecuteNonQuery();
            using var keys = Command(c, tx, "DELETE FROM dedupe WHERE expires_at <= $now");
            keys.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return new PurgeResult(m, e, keys.ExecuteNonQuery());
        });
}
