using NpgsqlTypes;
using static Bridge.Storage.Postgres.PostgresSql;

namespace Bridge.Storage.Postgres;

/// <summary>
/// The retention purge on PostgreSQL, leader-free: every instance runs it, in small batches each committed on its own, so
/// no purge holds locks (or a snapshot vacuum must respect) for long; rows another instance's batch is deleting are skipped.
/// </summary>
internal sealed class PostgresRetention(PostgresStore store) : IStoreRetention
{
    /// <summary>Rows per batch: a short transaction even on a slow disk.</summary>
    internal const int Batch = 1000;

    public async Task<PurgeResult> PurgeAsync(DateTimeOffset before, DateTimeOffset now, CancellationToken ct)
    {
        // ctid = ANY(ARRAY(...)) runs the locking subquery once; IN (SELECT ... LIMIT) may run it again per row and delete more.
        var messages = await PurgeAsync("""
            DELETE FROM messages WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM messages WHERE status = 1 AND updated_at < {Now} + @before LIMIT @n FOR UPDATE SKIP LOCKED))
            """, before, now, ct);
        // An event a throttle's period names stays until the period's digest is made: the digest's messages go under it.
        var events = await PurgeAsync("""
            DELETE FROM events WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM events e WHERE status = 1 AND received_at < {Now} + @before
                AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.event_seq = e.seq)
                AND NOT EXISTS (SELECT 1 FROM throttles t WHERE t.last_event_seq = e.seq) LIMIT @n FOR UPDATE SKIP LOCKED))
            """, before, now, ct);
        var keys = await PurgeAsync("""
            DELETE FROM dedupe WHERE ctid = ANY(ARRAY(SELECT ctid FROM dedupe WHERE expires_at <= {Now} LIMIT @n FOR UPDATE SKIP LOCKED))
            """, now, now, ct);
        return new PurgeResult(messages, events, keys);
    }

    private async Task<int> PurgeAsync(string sql, DateTimeOffset before, DateTimeOffset now, CancellationToken ct)
    {
        var statement = sql.Replace("{Now}", Now, StringComparison.Ordinal);
        var total = 0;
        while (true)
        {
            var deleted = await store.WriteAsync(async (c, tx) =>
            {
                await using var delete = Command(c, tx, statement);
                store.Clock.SetNow(delete, now);
                delete.Parameters.Set("before", NpgsqlDbType.Interval, before - now);
                delete.Parameters.Set("n", Batch);
                return await delete.ExecuteNonQueryAsync(ct);
            }, ct);
            total += deleted;
            if (deleted < Batch) return total;
        }
    }
}
