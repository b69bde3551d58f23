using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using static Bridge.Storage.Postgres.PostgresSql;

namespace Bridge.Storage.Postgres;

/// <summary>
/// The event log on PostgreSQL. Accepting takes the de-duplication keys first, with an upsert that only an expired key
/// lets through, so two copies racing on two instances meet in the key's unique index: one commits the event, the other
/// waits for it and is a duplicate. Unprocessed events are read under a lease (several instances' processors share them).
/// </summary>
internal sealed class PostgresEventLog(PostgresStore store) : IEventLog
{
    /// <summary>A quarter of the read lease (so a dead instance's events wait little more than the lease), within 250 ms..5 s.</summary>
    public TimeSpan? LookAgainEvery => TimeSpan.FromTicks(Math.Clamp(store.Lease.Ticks / 4, TimeSpan.FromMilliseconds(250).Ticks, TimeSpan.FromSeconds(5).Ticks));

    public async Task<AcceptResult> AcceptEventAsync(NewEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        var row = SqliteEventLog.EventRow.From(e);
        try
        {
            return await store.WriteAsync((c, tx) => AcceptAsync(c, tx, store.Clock, row, e, ct), ct);
        }
        catch (StoreUnavailableException failure)
        {
            return AcceptResult.Unavailable(failure.Message);
        }
    }

    public async Task<AcceptResult> AcceptMappedAsync(NewEvent e, IReadOnlyList<NewMessage> messages, MappingRunLog? log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(messages);
        var row = SqliteEventLog.EventRow.From(e);
        var logJson = log is null ? null : JsonSerializer.Serialize<IReadOnlyList<MappingRunLog>>([log], StoreJson.Default.MappingRunLogs);
        try
        {
            return await store.WriteAsync(async (c, tx) =>
            {
                var accepted = await AcceptAsync(c, tx, store.Clock, row, e, ct);
                if (accepted.Status != AcceptStatus.Accepted) return accepted;
                if (await InsertMessagesAsync(c, tx, store.Clock, accepted.Seq, messages, e.ReceivedAt, ct)) await store.NotifyDueAsync(c, tx, ct);
                await using var update = Command(c, tx, "UPDATE events SET mapping_log = @log WHERE seq = @e");
                update.Parameters.Set("log", NpgsqlDbType.Text, logJson);
                update.Parameters.Set("e", accepted.Seq);
                await update.ExecuteNonQueryAsync(ct);
                return accepted;
            }, ct);
        }
        catch (StoreUnavailableException failure)
        {
            return AcceptResult.Unavailable(failure.Message);
        }
    }

    /// <summary>
    /// Takes the event's keys and commits it in one statement (one round trip): the sequence number, then the keys nobody
    /// holds within the window, then the event with the rules whose keys it took, unless it took none (a copy).
    /// </summary>
    private static async Task<AcceptResult> AcceptAsync(NpgsqlConnection c, NpgsqlTransaction tx, PostgresClock clock, SqliteEventLog.EventRow row, NewEvent e, CancellationToken ct)
    {
        var dedupe = e.DedupeWindow > TimeSpan.Zero;
        string[] matched = [.. row.Matched];
        string[] keys = !dedupe ? [] : matched.Length == 0 ? [""] : matched;
        // An event no rule matched (or whose rules a copy covered) has nothing to run: it is processed as it is committed.
        await using var insert = Command(c, tx, $"""
            WITH s AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('events', 'seq')) AS seq),
            taken AS (
                INSERT INTO dedupe (key, rule, event_seq, expires_at) SELECT @key, r, s.seq, {Now} + @window FROM s, unnest(@keys) AS r
                ON CONFLICT (key, rule) DO UPDATE SET event_seq = EXCLUDED.event_seq, expires_at = EXCLUDED.expires_at WHERE dedupe.expires_at <= {Now}
                RETURNING rule),
            run AS (SELECT ARRAY(SELECT m.r FROM unnest(@matched) WITH ORDINALITY AS m(r, i)
                WHERE NOT @dedupe OR m.r IN (SELECT rule FROM taken) ORDER BY m.i)::text[] AS rules)
            INSERT INTO events (seq, event_id, source, action, status, received_at, dedupe_key, matched, rules_to_run, verdicts, body, event_json, processed_at)
            SELECT s.seq, @id, @source, @action, CASE WHEN cardinality(run.rules) = 0 THEN 1 ELSE 0 END, {Now}, @key, @matched, run.rules, @verdicts, @body, @json,
                CASE WHEN cardinality(run.rules) = 0 THEN {Now} END
            FROM s, run WHERE NOT @dedupe OR EXISTS (SELECT 1 FROM taken)
            RETURNING seq, rules_to_run
            """);
        clock.SetNow(insert, e.ReceivedAt);
        insert.Parameters.Set("key", row.DedupeKey);
        insert.Parameters.Set("window", NpgsqlDbType.Interval, e.DedupeWindow);
        insert.Parameters.Set("keys", keys);
        insert.Parameters.Set("matched", matched);
        insert.Parameters.Set("dedupe", dedupe);
        insert.Parameters.Set("id", row.EventId);
        insert.Parameters.Set("source", row.Source);
        insert.Parameters.Set("action", NpgsqlDbType.Text, row.Action);
        insert.Parameters.Set("verdicts", row.VerdictsJson);
        insert.Parameters.Set("body", row.Body);
        insert.Parameters.Set("json", row.EventJson);
        await using (var r = await insert.ExecuteReaderAsync(ct))
        {
            if (await r.ReadAsync(ct)) return new AcceptResult(AcceptStatus.Accepted, r.GetInt64(0), r.GetFieldValue<string[]>(1));
        }
        return await DuplicateAsync(c, tx, clock, row, keys, e.ReceivedAt, ct);
    }

    /// <summary>
    /// Takes, for event <paramref name="seq"/>, those of the keys (key, rule) that nobody holds within the window (absent
    /// or expired); returns their rules. A key another transaction is taking makes this one wait for it, then see it held.
    /// </summary>
    internal static async Task<HashSet<string>> TakeKeysAsync(NpgsqlConnection c, NpgsqlTransaction tx, PostgresClock clock, string key, string[] rules, long seq,
        DateTimeOffset now, TimeSpan window, CancellationToken ct)
    {
        await using var take = Command(c, tx, $"""
            INSERT INTO dedupe (key, rule, event_seq, expires_at) SELECT @k, r, @s, {Now} + @window FROM unnest(@rules) AS r
            ON CONFLICT (key, rule) DO UPDATE SET event_seq = EXCLUDED.event_seq, expires_at = EXCLUDED.expires_at WHERE dedupe.expires_at <= {Now}
            RETURNING rule
            """);
        clock.SetNow(take, now);
        take.Parameters.Set("k", key);
        take.Parameters.Set("s", seq);
        take.Parameters.Set("window", NpgsqlDbType.Interval, window);
        take.Parameters.Set("rules", rules);
        return [.. await ReadAllAsync(take, r => r.GetString(0), ct)];
    }

    /// <summary>Counts a copy on the event it copies (the one holding its first key) and answers for it.</summary>
    internal static async Task<AcceptResult> DuplicateAsync(NpgsqlConnection c, NpgsqlTransaction tx, PostgresClock clock, SqliteEventLog.EventRow row, string[] rules,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var count = Command(c, tx, $"""
            WITH original AS (SELECT event_seq FROM dedupe WHERE key = @k AND rule = ANY(@rules) AND expires_at > {Now} ORDER BY array_position(@rules, rule) LIMIT 1)
            UPDATE events SET duplicates = duplicates + 1 FROM original WHERE seq = original.event_seq RETURNING seq, event_id
            """);
        clock.SetNow(count, now);
        count.Parameters.Set("k", row.DedupeKey);
        count.Parameters.Set("rules", rules);
        await using var r = await count.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new AcceptResult(AcceptStatus.Duplicate, r.GetInt64(0), [], DuplicateOf: r.GetString(1))
            // Its original was purged in the meantime (a window longer than the retention): still a copy.
            : new AcceptResult(AcceptStatus.Duplicate, 0, [], DuplicateOf: row.EventId);
    }

    public Task<IReadOnlyList<StoredEvent>> GetUnprocessedEventsAsync(long afterSeq, int limit, CancellationToken ct) =>
        // The lease, not afterSeq, says what is left to read: sequence numbers are taken before commit, so with concurrent
        // accepts a lower one can commit after a higher one was read, and a cursor would pass it by.
        store.WriteAsync<IReadOnlyList<StoredEvent>>(async (c, tx) =>
        {
            await using var q = Command(c, tx, $"""
                WITH next AS MATERIALIZED (
                    SELECT seq FROM events WHERE status = 0 AND (read_until IS NULL OR read_until <= {Now}) ORDER BY seq LIMIT @n FOR UPDATE SKIP LOCKED)
                UPDATE events e SET read_until = {Now} + @lease FROM next WHERE e.seq = next.seq
                RETURNING {string.Join(", ", EventColumns.Split(", ").Select(column => "e." + column))}
                """);
            store.Clock.SetNow(q);
            q.Parameters.Set("n", limit);
            q.Parameters.Set("lease", NpgsqlDbType.Interval, store.Lease);
            var events = await ReadAllAsync(q, ReadEvent, ct);
            events.Sort((a, b) => a.Seq.CompareTo(b.Seq));
            return events;
        }, ct);

    public Task CommitMappedAsync(IReadOnlyList<MappedRule> mapped, DateTimeOffset at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mapped);
        if (mapped.Count == 0) return Task.CompletedTask;
        return store.WriteAsync(async (c, tx) =>
        {
            var due = false;
            await PostgresIncidents.LockGroupsAsync(c, tx, mapped.Select(rule => rule.Group).OfType<Incidents.IncidentJoin>(), ct);
            foreach (var rule in mapped)
            {
                string[] rulesLeft;
                List<MappingRunLog> runLog;
                // Locked, so two instances that mapped the same event (a lapsed read lease) commit its rule once.
                await using (var find = Command(c, tx, "SELECT rules_to_run, rules_left, mapping_log FROM events WHERE seq = @e AND status = 0 FOR UPDATE"))
                {
                    find.Parameters.Set("e", rule.EventSeq);
                    await using var r = await find.ExecuteReaderAsync(ct);
                    // Processed already, or gone (purged): nothing of it is waiting for this rule.
                    if (!await r.ReadAsync(ct)) continue;
                    rulesLeft = r.IsDBNull(1) ? r.GetFieldValue<string[]>(0) : r.GetFieldValue<string[]>(1);
                    runLog = r.IsDBNull(2) ? [] : [.. JsonSerializer.Deserialize(r.GetString(2), StoreJson.Default.MappingRunLogs) ?? []];
                }
                // Committed already (a batch held the same rule twice): its messages are in.
                if (!rulesLeft.Contains(rule.Rule)) continue;
                var left = rulesLeft.Where(r => r != rule.Rule).ToArray();
                due |= await InsertMessagesAsync(c, tx, store.Clock, rule.EventSeq, rule.Messages, at, ct);
                var said = rule.Log;
                if (rule.Group is { } join)
                {
                    var incident = await PostgresIncidents.FoldAsync(c, tx, store.Clock, join, at, ct);
                    if (said is not null) said = SqliteEventLog.Held(said, incident, join);
                }
                if (said is { } entry)
                {
                    // A replayed mapping's run replaces what the rule's earlier run said.
                    runLog.RemoveAll(l => l.Rule == entry.Rule);
                    runLog.Add(entry);
                }
                await using var update = Command(c, tx, $"""
                    UPDATE events SET rules_left = @left, mapping_log = @log, read_until = NULL,
                        status = CASE WHEN @done THEN 1 ELSE 0 END, processed_at = CASE WHEN @done THEN {Now} END
                    WHERE seq = @e
                    """);
                store.Clock.SetNow(update, at);
                update.Parameters.Set("left", left);
                update.Parameters.Set("log", NpgsqlDbType.Text, MappingLogJson(runLog));
                update.Parameters.Set("done", left.Length == 0);
                update.Parameters.Set("e", rule.EventSeq);
                await update.ExecuteNonQueryAsync(ct);
            }
            if (due) await store.NotifyDueAsync(c, tx, ct);
            return true;
        }, ct);
    }

    /// <summary>Inserts an event's messages (the incident cards' too; one it already has, a re-run for a replayed mapping, is not made twice).</summary>
    /// <returns>Whether any is pending: the delivery workers have something to look for.</returns>
    internal static async Task<bool> InsertMessagesAsync(NpgsqlConnection c, NpgsqlTransaction tx, PostgresClock clock, long eventSeq, IReadOnlyList<NewMessage> messages,
        DateTimeOffset now, CancellationToken ct)
    {
        if (messages.Count == 0) return false;
        var batch = new NpgsqlBatch(c, tx);
        foreach (var m in messages)
        {
            var insert = new NpgsqlBatchCommand($"""
                INSERT INTO messages (event_seq, rule, idx, destination, topic, body, status, next_attempt_at, created_at, updated_at, dead_reason, last_error, sequence_id, lane)
                VALUES (@e, @rule, @idx, @dest, @topic, @body, @status, {Now} + @next, {Now}, {Now}, @dead, @dead, @seq, @lane)
                ON CONFLICT (event_seq, rule, idx) DO NOTHING
                """);
            insert.Parameters.Set("now", NpgsqlDbType.TimestampTz, clock.IsDatabase ? null : now);
            insert.Parameters.Set("e", eventSeq);
            insert.Parameters.Set("rule", m.Rule);
            insert.Parameters.Set("idx", m.Index);
            insert.Parameters.Set("dest", m.Destination);
            insert.Parameters.Set("topic", NpgsqlDbType.Text, m.Topic);
            insert.Parameters.Set("body", NpgsqlDbType.Bytea, m.Body);
            insert.Parameters.Set("status", (short)m.Status);
            insert.Parameters.Set("next", NpgsqlDbType.Interval, m.FirstAttemptAt - now);
            insert.Parameters.Set("dead", NpgsqlDbType.Text, m.DeadReason);
            insert.Parameters.Set("seq", NpgsqlDbType.Text, m.SequenceId);
            insert.Parameters.Set("lane", (short)m.Lane);
            batch.BatchCommands.Add(insert);
        }
        await using (batch) await batch.ExecuteNonQueryAsync(ct);
        return messages.Any(m => m.Status == MessageStatus.Pending);
    }
}
