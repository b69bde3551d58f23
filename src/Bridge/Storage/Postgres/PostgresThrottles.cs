using System.Text.Json;
using Bridge.Throttles;
using Npgsql;
using NpgsqlTypes;
using static Bridge.Storage.Postgres.PostgresSql;

namespace Bridge.Storage.Postgres;

/// <summary>
/// Throttles on PostgreSQL: the <c>throttles</c> table (migration 5). Each commit counts its event with one upsert on
/// the period's row, whose lock it holds until it commits, so instances sharing the database pass at most <c>max</c>
/// per period between them; periods are cut on the database's clock. Digests are claimed with <c>FOR UPDATE SKIP LOCKED</c>.
/// </summary>
internal sealed class PostgresThrottles(PostgresStore store) : IThrottles
{
    /// <summary>Counts <paramref name="claim"/>'s event into its period, in the transaction that commits its rule.</summary>
    /// <returns>When the digest is due if the event is held; null if it passes.</returns>
    internal static async Task<DateTimeOffset?> CountAsync(NpgsqlConnection c, NpgsqlTransaction tx, PostgresClock clock, ThrottleClaim claim, long eventSeq,
        DateTimeOffset at, CancellationToken ct)
    {
        await using var count = Command(c, tx, $"""
            WITH p AS (SELECT to_timestamp((floor(extract(epoch FROM {Now}) * 1000 / @per) * @per / 1000)::double precision) AS s)
            INSERT INTO throttles (rule, key, period_start, period_end, max, passed, held, last_held)
            SELECT @rule, @key, p.s, p.s + @span, @max, 1, 0, false FROM p
            ON CONFLICT (rule, key, period_start) DO UPDATE SET last_held = throttles.passed >= EXCLUDED.max,
                passed = throttles.passed + CASE WHEN throttles.passed < EXCLUDED.max THEN 1 ELSE 0 END,
                held = throttles.held + CASE WHEN throttles.passed >= EXCLUDED.max THEN 1 ELSE 0 END, max = EXCLUDED.max
            RETURNING last_held, period_start, period_end, state
            """);
        clock.SetNow(count, at);
        count.Parameters.Set("per", (long)claim.Config.Per.TotalMilliseconds);
        count.Parameters.Set("span", NpgsqlDbType.Interval, claim.Config.Per);
        count.Parameters.Set("rule", claim.Rule);
        count.Parameters.Set("key", claim.KeyText);
        count.Parameters.Set("max", claim.Config.Max);
        DateTimeOffset start, due;
        ThrottleState? state;
        await using (var r = await count.ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            if (!r.GetBoolean(0)) return null;
            (start, due) = (Time(r, 1), Time(r, 2));
            state = r.IsDBNull(3) ? null : JsonSerializer.Deserialize(r.GetString(3), StoreJson.Default.ThrottleState);
        }
        // The row is this transaction's until it commits: no other instance's event changes the state in between.
        await using var keep = Command(c, tx, "UPDATE throttles SET last_event_seq = @seq, state = @state WHERE rule = @rule AND key = @key AND period_start = @start");
        keep.Parameters.Set("seq", eventSeq);
        keep.Parameters.Set("state", JsonSerializer.Serialize(ThrottleState.Hold(state, claim, at), StoreJson.Default.ThrottleState));
        keep.Parameters.Set("rule", claim.Rule);
        keep.Parameters.Set("key", claim.KeyText);
        keep.Parameters.Set("start", start);
        await keep.ExecuteNonQueryAsync(ct);
        return due;
    }

    public Task<IReadOnlyList<DueDigest>> SendDueAsync(DateTimeOffset now, Func<DueDigest, IReadOnlyList<NewMessage>> make, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(make);
        return store.WriteAsync<IReadOnlyList<DueDigest>>(async (c, tx) =>
        {
            // Locked until this commit, and skipped by the others meanwhile: one instance makes each digest.
            await using var q = Command(c, tx, $"""
                SELECT t.rule, t.key, t.period_start, t.period_end, t.max, t.passed, t.held, t.state, {string.Join(", ", EventColumns.Split(", ").Select(column => "e." + column))}
                FROM throttles t LEFT JOIN events e ON e.seq = t.last_event_seq
                WHERE t.period_end <= {Now} AND t.held > 0 ORDER BY t.period_end LIMIT 100 FOR UPDATE OF t SKIP LOCKED
                """);
            store.Clock.SetNow(q, now);
            var due = await ReadAllAsync(q, static r => (Digest: new DueDigest(r.GetString(0), JsonSerializer.Deserialize(r.GetString(1), StoreJson.Default.ListString) ?? [],
                Time(r, 2), Time(r, 3), r.GetInt32(4), r.GetInt64(5), r.GetInt64(6), JsonSerializer.Deserialize(r.GetString(7), StoreJson.Default.ThrottleState)!,
                r.IsDBNull(8) ? null : ReadEvent(r, 8)), Key: r.GetString(1)), ct);
            var pending = false;
            foreach (var (digest, key) in due)
            {
                if (digest.LastEvent is { } last) pending |= await PostgresEventLog.InsertMessagesAsync(c, tx, store.Clock, last.Seq, make(digest), now, ct);
                else make(digest);
                await using var take = Command(c, tx, "DELETE FROM throttles WHERE rule = @rule AND key = @key AND period_start = @start");
                take.Parameters.Set("rule", digest.Rule);
                take.Parameters.Set("key", key);
                take.Parameters.Set("start", digest.From);
                await take.ExecuteNonQueryAsync(ct);
            }
            await using var ended = Command(c, tx, $"DELETE FROM throttles WHERE period_end <= {Now} AND held = 0");
            store.Clock.SetNow(ended, now);
            await ended.ExecuteNonQueryAsync(ct);
            if (pending) await store.NotifyDueAsync(c, tx, ct);
            return [.. due.Select(d => d.Digest)];
        }, ct);
    }
}
