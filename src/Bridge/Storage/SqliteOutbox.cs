using Microsoft.Data.Sqlite;
using static Bridge.Storage.SqliteSql;

namespace Bridge.Storage;

/// <summary>
/// The outbox on SQLite. A claim walks the pending messages in id order (the index says so: the planner would otherwise
/// sort every due message before taking the first few), the higher lanes' before the rest. Claims read on the writer's
/// thread, in its transaction order, so a claim never sees a message as pending whose settlement is already committed; the lease itself is only in memory (<see cref="SqliteLeases"/>).
/// </summary>
internal sealed class SqliteOutbox(SqliteStore store, SqliteLeases leases) : IOutbox
{
    public Task<IReadOnlyList<OutboxLease>> ClaimAsync(string destination, ClaimOrder order, DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct) =>
        store.WriteAsync<IReadOnlyList<OutboxLease>>((c, tx) =>
        {
            var taken = new List<OutboxLease>(limit);
            var leased = leases.HeldJson(destination);
            // The higher lanes first (schema 7), then the rest with what is left: an urgent message never waits behind a flood.
            ClaimLane(c, tx, order == ClaimOrder.StrictPerTopic ? ClaimUrgentStrictSql : ClaimUrgentSql, destination, now, limit, leased, taken);
            if (taken.Count == limit) return taken;
            // The second pass skips what the first just claimed.
            if (taken.Count > 0) leased = leases.HeldJson(destination);
            ClaimLane(c, tx, order == ClaimOrder.StrictPerTopic ? ClaimStrictSql : ClaimSql, destination, now, limit - taken.Count, leased, taken);
            return taken;
        });

    private void ClaimLane(SqliteConnection c, SqliteTransaction tx, string sql, string destination, DateTimeOffset now, int limit, string leased,
        List<OutboxLease> taken)
    {
        var q = Prepared(c, tx, sql);
        q.Parameters.AddWithValue("$d", destination);
        q.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        q.Parameters.AddWithValue("$n", limit);
        q.Parameters.AddWithValue("$leased", leased);
        foreach (var m in ReadAll(q, ReadMessage)) taken.Add(new OutboxLease(m, leases.Take(m.Id, destination)));
    }

    public Task<DateTimeOffset?> GetNextDueAsync(string destination, ClaimOrder order, CancellationToken ct)
    {
        var leased = leases.HeldJson(destination);
        return store.ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT MIN(m.next_attempt_at) FROM messages m WHERE m.status = 0 AND m.destination = $d AND {Claimable(order)}");
            q.Parameters.AddWithValue("$d", destination);
            q.Parameters.AddWithValue("$leased", leased);
            return q.ExecuteScalar() is long ms ? FromMs(ms) : (DateTimeOffset?)null;
        });
    }

    private static readonly string ClaimSql = Claim(ClaimOrder.BySequence, urgent: false), ClaimStrictSql = Claim(ClaimOrder.StrictPerTopic, urgent: false),
        ClaimUrgentSql = Claim(ClaimOrder.BySequence, urgent: true), ClaimUrgentStrictSql = Claim(ClaimOrder.StrictPerTopic, urgent: true);

    /// <summary>
    /// The due messages of the lanes above normal (highest lane first, then id), or of all lanes (those left over included)
    /// in id order: each walks its index in the order it returns, so no due message is sorted.
    /// </summary>
    private static string Claim(ClaimOrder order, bool urgent) => urgent
        ? $"""
            SELECT {MessageColumns} FROM messages m INDEXED BY messages_lane_order JOIN events e ON e.seq = m.event_seq
            WHERE m.status = 0 AND m.lane > 0 AND m.destination = $d AND m.next_attempt_at <= $now AND {Claimable(order)}
            ORDER BY m.lane DESC, m.id LIMIT $n
            """
        : $"""
            SELECT {MessageColumns} FROM messages m INDEXED BY messages_pending_order JOIN events e ON e.seq = m.event_seq
            WHERE m.status = 0 AND m.destination = $d AND m.next_attempt_at <= $now AND {Claimable(order)}
            ORDER BY m.id LIMIT $n
            """;

    /// <summary>Not leased, and no older pending message holds it back (a leased one, under way, holds back too).</summary>
    private static string Claimable(ClaimOrder order) => $"""
        m.id NOT IN (SELECT value FROM json_each($leased))
        AND NOT EXISTS (SELECT 1 FROM messages p WHERE p.status = 0 AND p.destination = m.destination AND p.id < m.id AND {(order == ClaimOrder.StrictPerTopic
            ? "p.topic IS m.topic" : "p.sequence_id = m.sequence_id")})
        """;

    public async Task<int> SettleAsync(IReadOnlyList<Settlement> settlements, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settlements);
        if (settlements.Count == 0) return 0;
        try
        {
            return await store.WriteAsync((c, tx) => Settle(c, tx, settlements));
        }
        finally
        {
            // Committed: the rows say what happened. Not committed: the messages are pending as they were, and are due again.
            foreach (var s in settlements) leases.Release(s.Lease);
        }
    }

    private int Settle(SqliteConnection c, SqliteTransaction tx, IReadOnlyList<Settlement> settlements)
    {
        var insert = Prepared(c, tx, """
            -- Numbered within its message (schema 6), after every attempt it had.
            INSERT INTO attempts (message_id, id, at, outcome, http_status, ntfy_code, detail, duration_ms)
            VALUES ($m, (SELECT COALESCE(MAX(id), 0) + 1 FROM attempts WHERE message_id = $m), $at, $outcome, $http, $code, $detail, $ms)
            """);
        var im = insert.Parameters.Add("$m", SqliteType.Integer);
        var at = insert.Parameters.Add("$at", SqliteType.Integer);
        var outcome = insert.Parameters.Add("$outcome", SqliteType.Text);
        var http = insert.Parameters.Add("$http", SqliteType.Integer);
        var code = insert.Parameters.Add("$code", SqliteType.Integer);
        var detail = insert.Parameters.Add("$detail", SqliteType.Text);
        var ms = insert.Parameters.Add("$ms", SqliteType.Integer);
        var set = Prepared(c, tx, """
            UPDATE messages SET status = $status, attempts = $attempts, next_attempt_at = $next, last_error = $error, dead_reason = $dead, updated_at = $now
            WHERE id = $m AND status = 0
            """);
        var sm = set.Parameters.Add("$m", SqliteType.Integer);
        var status = set.Parameters.Add("$status", SqliteType.Integer);
        var attempts = set.Parameters.Add("$attempts", SqliteType.Integer);
        var next = set.Parameters.Add("$next", SqliteType.Integer);
        var error = set.Parameters.Add("$error", SqliteType.Text);
        var dead = set.Parameters.Add("$dead", SqliteType.Text);
        var now = set.Parameters.Add("$now", SqliteType.Integer);
        var settled = 0;
        foreach (var (lease, attempt, update) in settlements)
        {
            if (!leases.Holds(lease)) continue;
            im.Value = attempt.MessageId;
            at.Value = attempt.At.ToUnixTimeMilliseconds();
            outcome.Value = attempt.Outcome;
            http.Value = (object?)attempt.HttpStatus ?? DBNull.Value;
            code.Value = (object?)attempt.NtfyCode ?? DBNull.Value;
            detail.Value = attempt.Detail;
            ms.Value = (long)attempt.Duration.TotalMilliseconds;
            insert.ExecuteNonQuery();
            sm.Value = attempt.MessageId;
            status.Value = (int)update.Status;
            attempts.Value = update.Attempts;
            next.Value = update.NextAttemptAt.ToUnixTimeMilliseconds();
            error.Value = (object?)update.LastError ?? DBNull.Value;
            dead.Value = (object?)update.DeadReason ?? DBNull.Value;
            now.Value = (attempt.At + attempt.Duration).ToUnixTimeMilliseconds();
            set.ExecuteNonQuery();
            settled++;
        }
        return settled;
    }

    public Task ReleaseAsync(IReadOnlyList<OutboxLease> leasesToEnd, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(leasesToEnd);
        foreach (var lease in leasesToEnd) leases.Release(lease);
        return Task.CompletedTask;
    }

    public Task<int> ExpireAsync(string destination, DateTimeOffset createdBefore, DateTimeOffset now, string reason, CancellationToken ct) =>
        store.WriteAsync((c, tx) =>
        {
            // A leased message is under way: its attempt decides (and dies of old age there if it must).
            using var expire = Command(c, tx, """
                UPDATE messages SET status = 2, dead_reason = $reason, updated_at = $now
                WHERE status = 0 AND destination = $d AND created_at < $before AND id NOT IN (SELECT value FROM json_each($leased))
                """);
            expire.Parameters.AddWithValue("$reason", reason);
            expire.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            expire.Parameters.AddWithValue("$d", destination);
            expire.Parameters.AddWithValue("$before", createdBefore.ToUnixTimeMilliseconds());
            expire.Parameters.AddWithValue("$leased", leases.HeldJson(destination));
            return expire.ExecuteNonQuery();
        });

    public Task<int> MoveAsync(string from, string to, DateTimeOffset now, string note, CancellationToken ct) =>
        store.WriteAsync((c, tx) =>
        {
            // A leased message is under way: its answer decides, and it moves with a later call if it must.
            using var move = Command(c, tx, """
                UPDATE messages SET destination = $to, last_error = $note, updated_at = $now
                WHERE status = 0 AND destination = $from AND id NOT IN (SELECT value FROM json_each($leased))
                """);
            move.Parameters.AddWithValue("$to", to);
            move.Parameters.AddWithValue("$note", note);
            move.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            move.Parameters.AddWithValue("$from", from);
            move.Parameters.AddWithValue("$leased", leases.HeldJson(from));
            return move.ExecuteNonQuery();
        });

    public Task<IReadOnlyList<string>> GetDestinationsWithPendingAsync(CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<string>>((c, tx) =>
        {
            using var q = Command(c, tx, "SELECT DISTINCT destination FROM messages WHERE status = 0");
            return ReadAll(q, r => r.GetString(0));
        });
}
