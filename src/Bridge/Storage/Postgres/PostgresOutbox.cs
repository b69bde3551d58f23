using Npgsql;
using NpgsqlTypes;
using static Bridge.Storage.Postgres.PostgresSql;

namespace Bridge.Storage.Postgres;

/// <summary>
/// The outbox on PostgreSQL, shared by every instance. A claim locks due messages with <c>FOR UPDATE SKIP LOCKED</c> in
/// a <c>MATERIALIZED</c> CTE (so the LIMIT holds: a plain subquery may be run again per row and take more), moves each
/// one's next attempt to the lease's end and counts a claim on its <c>fence</c>. The message stays pending meanwhile, so
/// an instance that dies leaves it due again when the lease ends; a settlement or release names the fence it claimed
/// under, and one whose lease lapsed and was claimed again changes nothing.
/// </summary>
internal sealed class PostgresOutbox(PostgresStore store) : IOutbox
{
    private static readonly string ClaimSql = Claim(ClaimOrder.BySequence), ClaimStrictSql = Claim(ClaimOrder.StrictPerTopic);

    /// <summary>No older pending message (leased ones included: they are under way) holds it back.</summary>
    private static string NotHeldBack(ClaimOrder order) => $"""
        NOT EXISTS (SELECT 1 FROM messages p WHERE p.status = 0 AND p.destination = m.destination AND p.id < m.id AND {(order == ClaimOrder.StrictPerTopic
            ? "p.topic IS NOT DISTINCT FROM m.topic" : "p.sequence_id = m.sequence_id")})
        """;

    // The urgent lane first, then the rest, each oldest first (one pass: what the urgent lane leaves of the limit goes to the
    // normal one). The claimed rows come back as they were before the claim (their due time, not the lease's end).
    private static string Claim(ClaimOrder order) => $"""
        WITH due AS MATERIALIZED (
            SELECT m.id, m.next_attempt_at AS was_due FROM messages m
            WHERE m.status = 0 AND m.destination = @d AND m.next_attempt_at <= {Now} AND {NotHeldBack(order)}
            ORDER BY m.lane DESC, m.id LIMIT @n FOR UPDATE OF m SKIP LOCKED)
        UPDATE messages m SET fence = m.fence + 1, next_attempt_at = {Now} + @lease, leased_until = {Now} + @lease
        FROM due, events e WHERE m.id = due.id AND e.seq = m.event_seq
        RETURNING {MessageColumns.Replace("m.next_attempt_at", "due.was_due", StringComparison.Ordinal)}, m.fence
        """;

    public Task<IReadOnlyList<OutboxLease>> ClaimAsync(string destination, ClaimOrder order, DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct) =>
        store.WriteAsync<IReadOnlyList<OutboxLease>>(async (c, tx) =>
        {
            await using var q = Command(c, tx, order == ClaimOrder.StrictPerTopic ? ClaimStrictSql : ClaimSql);
            store.Clock.SetNow(q, now);
            q.Parameters.Set("d", destination);
            q.Parameters.Set("n", limit);
            q.Parameters.Set("lease", NpgsqlDbType.Interval, lease);
            var claimed = await ReadAllAsync(q, r => new OutboxLease(ReadMessage(r), r.GetInt64(17)), ct);
            claimed.Sort((a, b) => a.Message.Lane != b.Message.Lane ? b.Message.Lane.CompareTo(a.Message.Lane) : a.Message.Id.CompareTo(b.Message.Id));
            return claimed;
        }, ct);

    public Task<DateTimeOffset?> GetNextDueAsync(string destination, ClaimOrder order, CancellationToken ct) =>
        // A leased message counts at its lease's end: should its holder die, that is when it is due again.
        store.ReadAsync(async c =>
        {
            await using var q = Command(c, null, $"SELECT MIN(m.next_attempt_at) FROM messages m WHERE m.status = 0 AND m.destination = @d AND {NotHeldBack(order)}");
            q.Parameters.Set("d", destination);
            return await ScalarTimeAsync(q, ct);
        }, ct);

    public Task<int> SettleAsync(IReadOnlyList<Settlement> settlements, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settlements);
        if (settlements.Count == 0) return Task.FromResult(0);
        return store.WriteAsync(async (c, tx) =>
        {
            var batch = new NpgsqlBatch(c, tx);
            foreach (var (lease, attempt, update) in settlements)
            {
                // Only under the claim that leased it; the attempt is numbered within its message, after every one it had.
                var settle = new NpgsqlBatchCommand($"""
                    WITH settled AS (
                        UPDATE messages SET status = @status, attempts = @attempts, next_attempt_at = {Now} + @next, last_error = @error,
                            dead_reason = @dead, updated_at = {Now}, leased_until = NULL
                        WHERE id = @m AND fence = @fence AND status = 0 RETURNING id)
                    INSERT INTO attempts (message_id, id, at, outcome, http_status, ntfy_code, detail, duration_ms)
                    SELECT settled.id, (SELECT COALESCE(MAX(a.id), 0) + 1 FROM attempts a WHERE a.message_id = settled.id), @at, @outcome, @http, @code, @detail, @ms
                    FROM settled
                    """);
                var now = attempt.At + attempt.Duration;
                settle.Parameters.Set("now", NpgsqlDbType.TimestampTz, store.Clock.IsDatabase ? null : now);
                settle.Parameters.Set("m", attempt.MessageId);
                settle.Parameters.Set("fence", lease.Fence);
                settle.Parameters.Set("status", (short)update.Status);
                settle.Parameters.Set("attempts", update.Attempts);
                settle.Parameters.Set("next", NpgsqlDbType.Interval, update.NextAttemptAt - now);
                settle.Parameters.Set("error", NpgsqlDbType.Text, update.LastError);
                settle.Parameters.Set("dead", NpgsqlDbType.Text, update.DeadReason);
                settle.Parameters.Set("at", NpgsqlDbType.TimestampTz, attempt.At);
                settle.Parameters.Set("outcome", attempt.Outcome);
                settle.Parameters.Set("http", NpgsqlDbType.Integer, attempt.HttpStatus);
                settle.Parameters.Set("code", NpgsqlDbType.Integer, attempt.NtfyCode);
                settle.Parameters.Set("detail", attempt.Detail);
                settle.Parameters.Set("ms", (long)attempt.Duration.TotalMilliseconds);
                batch.BatchCommands.Add(settle);
            }
            await using (batch)
            {
                await batch.ExecuteNonQueryAsync(ct);
                var settled = 0;
                foreach (var command in batch.BatchCommands) settled += command.RecordsAffected;
                return settled;
            }
        }, ct);
    }

    public Task ReleaseAsync(IReadOnlyList<OutboxLease> leases, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(leases);
        if (leases.Count == 0) return Task.CompletedTask;
        // Due again as it was before the claim, for whoever looks next.
        return store.WriteAsync(async (c, tx) =>
        {
            await using var release = Command(c, tx, """
                UPDATE messages m SET next_attempt_at = l.due, leased_until = NULL
                FROM unnest(@ids, @fences, @dues) AS l(id, fence, due) WHERE m.id = l.id AND m.fence = l.fence AND m.status = 0
                """);
            release.Parameters.Set("ids", leases.Select(l => l.Message.Id).ToArray());
            release.Parameters.Set("fences", leases.Select(l => l.Fence).ToArray());
            release.Parameters.Set("dues", leases.Select(l => l.Message.NextAttemptAt).ToArray());
            return await release.ExecuteNonQueryAsync(ct);
        }, ct);
    }

    public Task<int> ExpireAsync(string destination, DateTimeOffset createdBefore, DateTimeOffset now, string reason, CancellationToken ct) =>
        store.WriteAsync(async (c, tx) =>
        {
            // A leased message is under way: its attempt decides (and dies of old age there if it must).
            await using var expire = Command(c, tx, $"""
                UPDATE messages SET status = 2, dead_reason = @reason, updated_at = {Now}
                WHERE status = 0 AND destination = @d AND (@unbounded OR created_at < {Now} + @before) AND (leased_until IS NULL OR leased_until <= {Now})
                """);
            store.Clock.SetNow(expire, now);
            expire.Parameters.Set("reason", reason);
            expire.Parameters.Set("d", destination);
            var unbounded = createdBefore == DateTimeOffset.MaxValue;
            expire.Parameters.Set("unbounded", unbounded);
            expire.Parameters.Set("before", NpgsqlDbType.Interval, unbounded ? TimeSpan.Zero : createdBefore - now);
            return await expire.ExecuteNonQueryAsync(ct);
        }, ct);

    public Task<IReadOnlyList<string>> GetDestinationsWithPendingAsync(CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<string>>(async c =>
        {
            await using var q = Command(c, null, "SELECT DISTINCT destination FROM messages WHERE status = 0");
            return await ReadAllAsync(q, r => r.GetString(0), ct);
        }, ct);
}
