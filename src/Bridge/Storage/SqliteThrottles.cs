using System.Text.Json;
using Bridge.Throttles;
using Microsoft.Data.Sqlite;
using static Bridge.Storage.SqliteSql;

namespace Bridge.Storage;

/// <summary>Throttles on SQLite: the <c>throttles</c> table (migration 10), one row per rule, key and period; its digests are rows of <c>messages</c> under the latest held event.</summary>
internal sealed class SqliteThrottles(SqliteStore store) : IThrottles
{
    /// <summary>
    /// Counts <paramref name="claim"/>'s event into its period, in the writer's transaction that commits its rule: one
    /// upsert for an event that passes, and one more that keeps a held event's values for the digest.
    /// </summary>
    /// <returns>When the digest is due if the event is held; null if it passes.</returns>
    internal static DateTimeOffset? Count(SqliteConnection c, SqliteTransaction tx, ThrottleClaim claim, long eventSeq, long nowMs)
    {
        var start = ThrottleClaim.PeriodStartMs(nowMs, claim.Config.Per);
        var count = Prepared(c, tx, """
            INSERT INTO throttles (rule, key, period_start, period_end, max, passed, held, last_held) VALUES ($rule, $key, $start, $end, $max, 1, 0, 0)
            ON CONFLICT (rule, key, period_start) DO UPDATE SET last_held = passed >= $max, passed = passed + (passed < $max), held = held + (passed >= $max), max = $max
            RETURNING last_held, period_end, state
            """);
        count.Parameters.AddWithValue("$rule", claim.Rule);
        count.Parameters.AddWithValue("$key", claim.KeyText);
        count.Parameters.AddWithValue("$start", start);
        count.Parameters.AddWithValue("$end", start + (long)claim.Config.Per.TotalMilliseconds);
        count.Parameters.AddWithValue("$max", claim.Config.Max);
        long due;
        ThrottleState? state;
        using (var r = count.ExecuteReader())
        {
            r.Read();
            if (r.GetInt64(0) == 0) return null;
            due = r.GetInt64(1);
            state = r.IsDBNull(2) ? null : JsonSerializer.Deserialize(r.GetString(2), StoreJson.Default.ThrottleState);
        }
        var keep = Prepared(c, tx, "UPDATE throttles SET last_event_seq = $seq, state = $state WHERE rule = $rule AND key = $key AND period_start = $start");
        keep.Parameters.AddWithValue("$seq", eventSeq);
        keep.Parameters.AddWithValue("$state", JsonSerializer.Serialize(ThrottleState.Hold(state, claim, FromMs(nowMs)), StoreJson.Default.ThrottleState));
        keep.Parameters.AddWithValue("$rule", claim.Rule);
        keep.Parameters.AddWithValue("$key", claim.KeyText);
        keep.Parameters.AddWithValue("$start", start);
        keep.ExecuteNonQuery();
        return FromMs(due);
    }

    public async Task<IReadOnlyList<DueDigest>> SendDueAsync(DateTimeOffset now, Func<DueDigest, IReadOnlyList<NewMessage>> make, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(make);
        var sent = new List<DueDigest>();
        // A period whose count moved between the read and the write (a commit on its way as the period ended) is read again.
        for (var look = 0; look < 3; look++)
        {
            var (made, missed) = await SendOnceAsync(now, make);
            sent.AddRange(made);
            if (!missed) break;
        }
        return sent;
    }

    private async Task<(IReadOnlyList<DueDigest> Sent, bool Missed)> SendOnceAsync(DateTimeOffset now, Func<DueDigest, IReadOnlyList<NewMessage>> make)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var due = await store.ReadAsync<IReadOnlyList<(DueDigest Digest, string Key)>>((c, tx) =>
        {
            using var q = Command(c, tx, """
                SELECT rule, key, period_start, period_end, max, passed, held, state, last_event_seq FROM throttles
                WHERE period_end <= $now AND held > 0 ORDER BY period_end LIMIT 100
                """);
            q.Parameters.AddWithValue("$now", nowMs);
            var rows = ReadAll(q, static r => (Digest: new DueDigest(r.GetString(0), ReadList(r.GetString(1)), FromMs(r.GetInt64(2)), FromMs(r.GetInt64(3)), r.GetInt32(4),
                r.GetInt64(5), r.GetInt64(6), JsonSerializer.Deserialize(r.GetString(7), StoreJson.Default.ThrottleState)!, null), Key: r.GetString(1), Seq: r.GetInt64(8)));
            using var find = Command(c, tx, $"SELECT {EventColumns} FROM events_full WHERE seq = $s");
            var seq = find.Parameters.Add("$s", SqliteType.Integer);
            var found = new List<(DueDigest, string)>(rows.Count);
            foreach (var row in rows)
            {
                seq.Value = row.Seq;
                found.Add((row.Digest with { LastEvent = ReadAll(find, ReadEvent).FirstOrDefault() }, row.Key));
            }
            return found;
        });
        // Mapped outside the writer: the one thread every commit waits on.
        var made = due.Select(d => (d.Digest, d.Key, Messages: make(d.Digest))).ToList();
        return await store.WriteAsync<(IReadOnlyList<DueDigest>, bool)>((c, tx) =>
        {
            var sent = new List<DueDigest>(made.Count);
            var missed = false;
            var insert = new SqliteEventLog.MessageInsert(c, tx, nowMs);
            using var take = Command(c, tx, "DELETE FROM throttles WHERE rule = $rule AND key = $key AND period_start = $start AND held = $held");
            var rule = take.Parameters.Add("$rule", SqliteType.Text);
            var key = take.Parameters.Add("$key", SqliteType.Text);
            var start = take.Parameters.Add("$start", SqliteType.Integer);
            var held = take.Parameters.Add("$held", SqliteType.Integer);
            foreach (var (digest, keyText, messages) in made)
            {
                (rule.Value, key.Value, start.Value, held.Value) = (digest.Rule, keyText, digest.From.ToUnixTimeMilliseconds(), digest.Held);
                // An event held after it was read (its commit was on its way): the next look makes the digest with it.
                if (take.ExecuteNonQuery() == 0)
                {
                    missed = true;
                    continue;
                }
                if (digest.LastEvent is { } last) foreach (var m in messages) insert.Run(last.Seq, m);
                sent.Add(digest);
            }
            using var ended = Command(c, tx, "DELETE FROM throttles WHERE period_end <= $now AND held = 0");
            ended.Parameters.AddWithValue("$now", nowMs);
            ended.ExecuteNonQuery();
            return (sent, missed);
        });
    }
}
