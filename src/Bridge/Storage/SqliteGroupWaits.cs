using Microsoft.Data.Sqlite;
using static Bridge.Storage.SqliteSql;

namespace Bridge.Storage;

/// <summary>Events waiting for their groups on SQLite: rows of <c>events</c> with status 2 and the wait's columns (migration 4).</summary>
internal sealed class SqliteGroupWaits(SqliteStore store) : IGroupWaits
{
    private const int Waiting = (int)EventStatus.WaitingForGroups;

    public async Task<AcceptResult> AcceptWaitingAsync(NewEvent e, string reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        var row = SqliteEventLog.EventRow.From(e with { Verdicts = [] });
        try
        {
            return await store.WriteAsync((c, tx) =>
            {
                if (row.DedupeWindowMs > 0 && CopyOf(c, tx, row) is { } original)
                {
                    using var count = Command(c, tx, "UPDATE events SET duplicates = duplicates + 1 WHERE seq = $s RETURNING event_id");
                    count.Parameters.AddWithValue("$s", original);
                    return new AcceptResult(AcceptStatus.Duplicate, original, [], DuplicateOf: count.ExecuteScalar() as string ?? row.EventId);
                }
                using var insert = Command(c, tx, $"""
                    INSERT INTO events (event_id, source, action, status, received_at, dedupe_key, matched, rules_to_run,
                        groups_wait, groups_retry_at, groups_attempts)
                    VALUES ($id, $source, $action, {Waiting}, $at, $key, ',', '[]', $reason, $at, 0) RETURNING seq
                    """);
                insert.Parameters.AddWithValue("$id", row.EventId);
                insert.Parameters.AddWithValue("$source", row.Source);
                insert.Parameters.AddWithValue("$action", (object?)row.Action ?? DBNull.Value);
                insert.Parameters.AddWithValue("$at", row.ReceivedAt);
                insert.Parameters.AddWithValue("$key", row.DedupeKey);
                insert.Parameters.AddWithValue("$reason", reason);
                var seq = (long)insert.ExecuteScalar()!;
                InsertEventData(c, tx, seq, row.Body, row.EventJson, "[]");
                return new AcceptResult(AcceptStatus.Accepted, seq, []);
            });
        }
        catch (StoreUnavailableException failure)
        {
            return AcceptResult.Unavailable(failure.Message);
        }
    }

    /// <summary>A copy waiting within the window, or one already judged (its keys are in <c>dedupe</c>): the same event again.</summary>
    private static long? CopyOf(SqliteConnection c, SqliteTransaction tx, SqliteEventLog.EventRow row)
    {
        using var waiting = Command(c, tx, $"SELECT seq FROM events WHERE dedupe_key = $k AND status = {Waiting} AND received_at > $since LIMIT 1");
        waiting.Parameters.AddWithValue("$k", row.DedupeKey);
        waiting.Parameters.AddWithValue("$since", row.ReceivedAt - row.DedupeWindowMs);
        if (waiting.ExecuteScalar() is long seq) return seq;
        using var judged = Command(c, tx, "SELECT event_seq FROM dedupe WHERE key = $k AND expires_at > $now LIMIT 1");
        judged.Parameters.AddWithValue("$k", row.DedupeKey);
        judged.Parameters.AddWithValue("$now", row.ReceivedAt);
        return judged.ExecuteScalar() as long?;
    }

    public Task<IReadOnlyList<WaitingEvent>> GetDueAsync(DateTimeOffset now, int limit, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<WaitingEvent>>((c, tx) =>
        {
            using var q = Command(c, tx, $"""
                SELECT seq, event_id, source, received_at, dedupe_key, body, groups_wait, groups_retry_at, groups_attempts FROM events_full
                WHERE status = {Waiting} AND groups_retry_at <= $now ORDER BY groups_retry_at, seq LIMIT $n
                """);
            q.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            q.Parameters.AddWithValue("$n", limit);
            return ReadAll(q, r => new WaitingEvent(r.GetInt64(0), r.GetString(1), r.GetString(2), FromMs(r.GetInt64(3)), r.GetString(4), (byte[])r.GetValue(5),
                new GroupWait(r.GetString(6), FromMs(r.GetInt64(7)), r.GetInt32(8))));
        });

    public Task<DateTimeOffset?> GetNextDueAsync(CancellationToken ct) =>
        store.ReadAsync((c, tx) => Scalar(c, tx, $"SELECT MIN(groups_retry_at) FROM events WHERE status = {Waiting}") is long ms ? FromMs(ms) : (DateTimeOffset?)null);

    public Task PostponeAsync(long seq, GroupWait wait, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(wait);
        return store.WriteAsync((c, tx) =>
        {
            using var update = Command(c, tx, $"UPDATE events SET groups_wait = $reason, groups_retry_at = $at, groups_attempts = $n WHERE seq = $s AND status = {Waiting}");
            update.Parameters.AddWithValue("$reason", wait.Reason);
            update.Parameters.AddWithValue("$at", wait.RetryAt.ToUnixTimeMilliseconds());
            update.Parameters.AddWithValue("$n", wait.Attempts);
            update.Parameters.AddWithValue("$s", seq);
            return update.ExecuteNonQuery();
        });
    }

    public Task RetryAllAsync(string source, DateTimeOffset at, CancellationToken ct) =>
        store.WriteAsync((c, tx) =>
        {
            using var update = Command(c, tx, $"UPDATE events SET groups_retry_at = $at WHERE status = {Waiting} AND source = $source AND groups_retry_at > $at");
            update.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            update.Parameters.AddWithValue("$source", source);
            return update.ExecuteNonQuery();
        });

    public Task<AcceptResult?> ResolveAsync(long seq, NewEvent judged, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(judged);
        var row = SqliteEventLog.EventRow.From(judged);
        return store.WriteAsync<AcceptResult?>((c, tx) =>
        {
            var toRun = row.Matched.ToList();
            // An event no rule matched has nothing to run: processed as it is judged, as at ingest.
            using var update = Command(c, tx, $"""
                UPDATE events SET status = $status, matched = $matched, rules_to_run = $run, rules_left = NULL,
                    processed_at = $processed, groups_wait = NULL, groups_retry_at = NULL
                WHERE seq = $s AND status = {Waiting}
                """);
            update.Parameters.AddWithValue("$status", (int)(toRun.Count == 0 ? EventStatus.Processed : EventStatus.Received));
            update.Parameters.AddWithValue("$matched", "," + string.Join(',', row.Matched) + ",");
            update.Parameters.AddWithValue("$run", WriteList(toRun));
            update.Parameters.AddWithValue("$processed", toRun.Count == 0 ? judged.ReceivedAt.ToUnixTimeMilliseconds() : DBNull.Value);
            update.Parameters.AddWithValue("$s", seq);
            if (update.ExecuteNonQuery() == 0) return null;
            using var data = Command(c, tx, "UPDATE event_data SET verdicts = $verdicts, event_json = $json WHERE seq = $s");
            data.Parameters.AddWithValue("$verdicts", row.VerdictsJson);
            data.Parameters.AddWithValue("$json", row.EventJson);
            data.Parameters.AddWithValue("$s", seq);
            data.ExecuteNonQuery();
            if (row.DedupeWindowMs > 0)
            {
                // Later copies are duplicates of this one for the rules it matched (or, matching none, for no rule: key "").
                using var remember = Command(c, tx, "INSERT OR REPLACE INTO dedupe (key, rule, event_seq, expires_at) VALUES ($k, $r, $s, $exp)");
                remember.Parameters.AddWithValue("$k", row.DedupeKey);
                var rule = remember.Parameters.Add("$r", SqliteType.Text);
                remember.Parameters.AddWithValue("$s", seq);
                remember.Parameters.AddWithValue("$exp", row.ReceivedAt + row.DedupeWindowMs);
                foreach (var key in toRun.Count == 0 ? [""] : toRun)
                {
                    rule.Value = key;
                    remember.ExecuteNonQuery();
                }
            }
            return new AcceptResult(AcceptStatus.Accepted, seq, toRun);
        });
    }

    public Task<GroupWait?> GetWaitAsync(long seq, CancellationToken ct) =>
        store.ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT groups_wait, groups_retry_at, groups_attempts FROM events WHERE seq = $s AND status = {Waiting}");
            q.Parameters.AddWithValue("$s", seq);
            using var r = q.ExecuteReader();
            return r.Read() ? new GroupWait(r.GetString(0), FromMs(r.GetInt64(1)), r.GetInt32(2)) : null;
        });

    public Task<IReadOnlyDictionary<string, int>> CountAsync(CancellationToken ct) =>
        store.ReadAsync<IReadOnlyDictionary<string, int>>((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT source, COUNT(*) FROM events WHERE status = {Waiting} GROUP BY source");
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            using var r = q.ExecuteReader();
            while (r.Read()) counts[r.GetString(0)] = r.GetInt32(1);
            return counts;
        });
}
