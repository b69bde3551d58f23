using NpgsqlTypes;
using static Bridge.Storage.Postgres.PostgresSql;

namespace Bridge.Storage.Postgres;

/// <summary>
/// Events waiting for their groups on PostgreSQL: rows of <c>events</c> with status 2 and the wait's columns. A waiting
/// event holds its de-duplication key under <see cref="WaitingRule"/> (a name no rule can have), so copies racing on two
/// instances meet in the key's index as at ingest.
/// </summary>
internal sealed class PostgresGroupWaits(PostgresStore store) : IGroupWaits
{
    private const int Waiting = (int)EventStatus.WaitingForGroups;

    /// <summary>The key's rule while its event waits: spaces and parentheses are in no rule name.</summary>
    internal const string WaitingRule = "(waiting for groups)";

    public async Task<AcceptResult> AcceptWaitingAsync(NewEvent e, string reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        var row = SqliteEventLog.EventRow.From(e with { Verdicts = [] });
        try
        {
            return await store.WriteAsync(async (c, tx) =>
            {
                long seq;
                await using (var next = Command(c, tx, "SELECT nextval(pg_get_serial_sequence('events', 'seq'))"))
                    seq = (long)(await next.ExecuteScalarAsync(ct))!;
                if (e.DedupeWindow > TimeSpan.Zero)
                {
                    // A copy already judged (its rules' keys are held), or one waiting (it holds the waiting key).
                    await using var judged = Command(c, tx, $"SELECT 1 FROM dedupe WHERE key = @k AND rule <> '{WaitingRule}' AND expires_at > {Now} LIMIT 1");
                    store.Clock.SetNow(judged, e.ReceivedAt);
                    judged.Parameters.Set("k", row.DedupeKey);
                    var isCopy = await judged.ExecuteScalarAsync(ct) is not null
                        || (await PostgresEventLog.TakeKeysAsync(c, tx, store.Clock, row.DedupeKey, [WaitingRule], seq, e.ReceivedAt, e.DedupeWindow, ct)).Count == 0;
                    if (isCopy) return await CountCopyAsync(row, e.ReceivedAt);
                }
                await using var insert = Command(c, tx, $"""
                    INSERT INTO events (seq, event_id, source, action, status, received_at, dedupe_key, matched, rules_to_run, verdicts, body, event_json,
                        groups_wait, groups_retry_at, groups_attempts)
                    VALUES (@seq, @id, @source, @action, {Waiting}, {Now}, @key, ARRAY[]::text[], ARRAY[]::text[], '[]', @body, @json, @reason, {Now}, 0)
                    """);
                store.Clock.SetNow(insert, e.ReceivedAt);
                insert.Parameters.Set("seq", seq);
                insert.Parameters.Set("id", row.EventId);
                insert.Parameters.Set("source", row.Source);
                insert.Parameters.Set("action", NpgsqlDbType.Text, row.Action);
                insert.Parameters.Set("key", row.DedupeKey);
                insert.Parameters.Set("body", row.Body);
                insert.Parameters.Set("json", row.EventJson);
                insert.Parameters.Set("reason", reason);
                await insert.ExecuteNonQueryAsync(ct);
                return new AcceptResult(AcceptStatus.Accepted, seq, []);

                async Task<AcceptResult> CountCopyAsync(SqliteEventLog.EventRow copy, DateTimeOffset now)
                {
                    await using var count = Command(c, tx, $"""
                        WITH original AS (SELECT event_seq FROM dedupe WHERE key = @k AND expires_at > {Now} ORDER BY rule = '{WaitingRule}' DESC LIMIT 1)
                        UPDATE events SET duplicates = duplicates + 1 FROM original WHERE seq = original.event_seq RETURNING seq, event_id
                        """);
                    store.Clock.SetNow(count, now);
                    count.Parameters.Set("k", copy.DedupeKey);
                    await using var r = await count.ExecuteReaderAsync(ct);
                    return await r.ReadAsync(ct)
                        ? new AcceptResult(AcceptStatus.Duplicate, r.GetInt64(0), [], DuplicateOf: r.GetString(1))
                        : new AcceptResult(AcceptStatus.Duplicate, 0, [], DuplicateOf: copy.EventId);
                }
            }, ct);
        }
        catch (StoreUnavailableException failure)
        {
            return AcceptResult.Unavailable(failure.Message);
        }
    }

    public Task<IReadOnlyList<WaitingEvent>> GetDueAsync(DateTimeOffset now, int limit, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<WaitingEvent>>(async c =>
        {
            await using var q = Command(c, null, $"""
                SELECT seq, event_id, source, received_at, dedupe_key, body, groups_wait, groups_retry_at, groups_attempts FROM events
                WHERE status = {Waiting} AND groups_retry_at <= {Now} ORDER BY groups_retry_at, seq LIMIT @n
                """);
            store.Clock.SetNow(q, now);
            q.Parameters.Set("n", limit);
            return await ReadAllAsync(q, r => new WaitingEvent(r.GetInt64(0), r.GetString(1), r.GetString(2), Time(r, 3), r.GetString(4), r.GetFieldValue<byte[]>(5),
                new GroupWait(r.GetString(6), Time(r, 7), r.GetInt32(8))), ct);
        }, ct);

    public Task<DateTimeOffset?> GetNextDueAsync(CancellationToken ct) =>
        store.ReadAsync(async c =>
        {
            await using var q = Command(c, null, $"SELECT MIN(groups_retry_at) FROM events WHERE status = {Waiting}");
            return await ScalarTimeAsync(q, ct);
        }, ct);

    public Task PostponeAsync(long seq, GroupWait wait, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(wait);
        return store.WriteAsync(async (c, tx) =>
        {
            await using var update = Command(c, tx, $"UPDATE events SET groups_wait = @reason, groups_retry_at = {Now} + @at, groups_attempts = @n WHERE seq = @s AND status = {Waiting}");
            var now = store.Clock.SetNow(update);
            update.Parameters.Set("reason", wait.Reason);
            update.Parameters.Set("at", NpgsqlDbType.Interval, wait.RetryAt - now);
            update.Parameters.Set("n", wait.Attempts);
            update.Parameters.Set("s", seq);
            return await update.ExecuteNonQueryAsync(ct);
        }, ct);
    }

    public Task RetryAllAsync(string source, DateTimeOffset at, CancellationToken ct) =>
        store.WriteAsync(async (c, tx) =>
        {
            await using var update = Command(c, tx, $"""
                UPDATE events SET groups_retry_at = {Now} + @at WHERE status = {Waiting} AND source = @source AND groups_retry_at > {Now} + @at
                """);
            var now = store.Clock.SetNow(update);
            update.Parameters.Set("at", NpgsqlDbType.Interval, at - now);
            update.Parameters.Set("source", source);
            return await update.ExecuteNonQueryAsync(ct);
        }, ct);

    public Task<AcceptResult?> ResolveAsync(long seq, NewEvent judged, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(judged);
        var row = SqliteEventLog.EventRow.From(judged);
        return store.WriteAsync<AcceptResult?>(async (c, tx) =>
        {
            var toRun = row.Matched.ToArray();
            // An event no rule matched has nothing to run: processed as it is judged, as at ingest.
            await using var update = Command(c, tx, $"""
                UPDATE events SET status = @status, matched = @run, rules_to_run = @run, rules_left = NULL, verdicts = @verdicts, event_json = @json,
                    processed_at = CASE WHEN @done THEN {Now} END, groups_wait = NULL, groups_retry_at = NULL
                WHERE seq = @s AND status = {Waiting}
                """);
            store.Clock.SetNow(update, judged.ReceivedAt);
            update.Parameters.Set("status", (short)(toRun.Length == 0 ? EventStatus.Processed : EventStatus.Received));
            update.Parameters.Set("run", toRun);
            update.Parameters.Set("verdicts", row.VerdictsJson);
            update.Parameters.Set("json", row.EventJson);
            update.Parameters.Set("done", toRun.Length == 0);
            update.Parameters.Set("s", seq);
            if (await update.ExecuteNonQueryAsync(ct) == 0) return null;
            if (judged.DedupeWindow > TimeSpan.Zero)
            {
                // Later copies are duplicates of this one for the rules it matched (or, matching none, for no rule: key "").
                await using var remember = Command(c, tx, """
                    INSERT INTO dedupe (key, rule, event_seq, expires_at)
                    SELECT @k, r, @s, (SELECT received_at FROM events WHERE seq = @s) + @window FROM unnest(@rules) AS r
                    ON CONFLICT (key, rule) DO UPDATE SET event_seq = EXCLUDED.event_seq, expires_at = EXCLUDED.expires_at
                    """);
                remember.Parameters.Set("k", row.DedupeKey);
                remember.Parameters.Set("s", seq);
                remember.Parameters.Set("window", NpgsqlDbType.Interval, judged.DedupeWindow);
                remember.Parameters.Set("rules", toRun.Length == 0 ? [""] : toRun);
                await remember.ExecuteNonQueryAsync(ct);
            }
            return new AcceptResult(AcceptStatus.Accepted, seq, toRun);
        }, ct);
    }

    public Task<GroupWait?> GetWaitAsync(long seq, CancellationToken ct) =>
        store.ReadAsync(async c =>
        {
            await using var q = Command(c, null, $"SELECT groups_wait, groups_retry_at, groups_attempts FROM events WHERE seq = @s AND status = {Waiting}");
            q.Parameters.Set("s", seq);
            await using var r = await q.ExecuteReaderAsync(ct);
            return await r.ReadAsync(ct) ? new GroupWait(r.GetString(0), Time(r, 1), r.GetInt32(2)) : null;
        }, ct);

    public Task<IReadOnlyDictionary<string, int>> CountAsync(CancellationToken ct) =>
        store.ReadAsync<IReadOnlyDictionary<string, int>>(async c =>
        {
            await using var q = Command(c, null, $"SELECT source, COUNT(*) FROM events WHERE status = {Waiting} GROUP BY source");
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            await using var r = await q.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) counts[r.GetString(0)] = (int)r.GetInt64(1);
            return counts;
        }, ct);
}
