using System.Text.Json;
using Bridge.Rules;
using Microsoft.Data.Sqlite;
using static Bridge.Storage.SqliteSql;

namespace Bridge.Storage;

/// <summary>The event log on SQLite: events with their de-duplication keys, and the messages their mappings made.</summary>
internal sealed class SqliteEventLog(SqliteStore store) : IEventLog
{
    public TimeSpan? LookAgainEvery => null;

    public async Task<AcceptResult> AcceptEventAsync(NewEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        // Serialise outside the writer loop: it is the one thread every request waits on.
        var row = EventRow.From(e);
        try
        {
            return await store.WriteAsync((c, tx) => Accept(c, tx, row));
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
        var row = EventRow.From(e);
        var logJson = log is null ? null : JsonSerializer.Serialize<IReadOnlyList<MappingRunLog>>([log], StoreJson.Default.MappingRunLogs);
        try
        {
            return await store.WriteAsync((c, tx) =>
            {
                // No rule matched it, so the event is committed processed and the processor never takes it.
                var accepted = Accept(c, tx, row);
                if (accepted.Status != AcceptStatus.Accepted) return accepted;
                var insert = new MessageInsert(c, tx, row.ReceivedAt);
                foreach (var m in messages) insert.Run(accepted.Seq, m);
                using var update = Command(c, tx, "UPDATE events SET mapping_log = $log WHERE seq = $e");
                update.Parameters.AddWithValue("$log", (object?)logJson ?? DBNull.Value);
                update.Parameters.AddWithValue("$e", accepted.Seq);
                update.ExecuteNonQuery();
                return accepted;
            });
        }
        catch (StoreUnavailableException failure)
        {
            return AcceptResult.Unavailable(failure.Message);
        }
    }

    private static AcceptResult Accept(SqliteConnection c, SqliteTransaction tx, EventRow row)
    {
        var now = row.ReceivedAt;
        var keys = row.Matched.Count == 0 ? [""] : row.Matched;
        var toRun = new List<string>(row.Matched.Count);
        long? copyOf = null;
        if (row.DedupeWindowMs > 0)
        {
            var find = Prepared(c, tx, "SELECT event_seq FROM dedupe WHERE key = $k AND rule = $r AND expires_at > $now");
            find.Parameters.AddWithValue("$k", row.DedupeKey);
            var r = find.Parameters.Add("$r", SqliteType.Text);
            find.Parameters.AddWithValue("$now", now);
            var uncovered = new List<string>(keys.Count);
            foreach (var key in keys)
            {
                r.Value = key;
                if (find.ExecuteScalar() is long seq) copyOf ??= seq;
                else uncovered.Add(key);
            }
            if (uncovered.Count == 0 && copyOf is { } original)
            {
                var count = Prepared(c, tx, "UPDATE events SET duplicates = duplicates + 1 WHERE seq = $s RETURNING event_id");
                count.Parameters.AddWithValue("$s", original);
                var id = count.ExecuteScalar() as string ?? row.EventId;
                return new AcceptResult(AcceptStatus.Duplicate, original, [], DuplicateOf: id);
            }
            foreach (var key in uncovered) if (key.Length > 0) toRun.Add(key);
            keys = uncovered;
        }
        else
        {
            toRun.AddRange(row.Matched);
        }

        // An event no rule matched has nothing to run: it is processed as it is committed.
        var insert = Prepared(c, tx, """
            INSERT INTO events (event_id, source, action, status, received_at, dedupe_key, matched, rules_to_run, processed_at)
            VALUES ($id, $source, $action, $status, $at, $key, $matched, $run, $processed) RETURNING seq
            """);
        insert.Parameters.AddWithValue("$id", row.EventId);
        insert.Parameters.AddWithValue("$source", row.Source);
        insert.Parameters.AddWithValue("$action", (object?)row.Action ?? DBNull.Value);
        insert.Parameters.AddWithValue("$status", (int)(toRun.Count == 0 ? EventStatus.Processed : EventStatus.Received));
        insert.Parameters.AddWithValue("$at", now);
        insert.Parameters.AddWithValue("$key", row.DedupeKey);
        insert.Parameters.AddWithValue("$matched", "," + string.Join(',', row.Matched) + ",");
        insert.Parameters.AddWithValue("$run", WriteList(toRun));
        insert.Parameters.AddWithValue("$processed", toRun.Count == 0 ? now : DBNull.Value);
        var eventSeq = (long)insert.ExecuteScalar()!;
        InsertEventData(c, tx, eventSeq, row.Body, row.EventJson, row.VerdictsJson);

        if (row.DedupeWindowMs > 0)
        {
            var remember = Prepared(c, tx, "INSERT OR REPLACE INTO dedupe (key, rule, event_seq, expires_at) VALUES ($k, $r, $s, $exp)");
            remember.Parameters.AddWithValue("$k", row.DedupeKey);
            var r = remember.Parameters.Add("$r", SqliteType.Text);
            remember.Parameters.AddWithValue("$s", eventSeq);
            remember.Parameters.AddWithValue("$exp", now + row.DedupeWindowMs);
            foreach (var key in keys)
            {
                r.Value = key;
                remember.ExecuteNonQuery();
            }
        }
        return new AcceptResult(AcceptStatus.Accepted, eventSeq, toRun);
    }

    public Task<IReadOnlyList<StoredEvent>> GetUnprocessedEventsAsync(long afterSeq, int limit, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<StoredEvent>>((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT {EventColumns} FROM events_full WHERE status = 0 AND seq > $after ORDER BY seq LIMIT $n");
            q.Parameters.AddWithValue("$after", afterSeq);
            q.Parameters.AddWithValue("$n", limit);
            return ReadAll(q, ReadEvent);
        });

    public Task CommitMappedAsync(IReadOnlyList<MappedRule> mapped, DateTimeOffset at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mapped);
        if (mapped.Count == 0) return Task.CompletedTask;
        return store.WriteAsync((c, tx) =>
        {
            var now = at.ToUnixTimeMilliseconds();
            var insert = new MessageInsert(c, tx, now);
            var find = Prepared(c, tx, "SELECT rules_to_run, rules_left, mapping_log FROM events WHERE seq = $e AND status = 0");
            var findSeq = find.Parameters.Add("$e", SqliteType.Integer);
            var update = Prepared(c, tx, """
                UPDATE events SET rules_left = $left, mapping_log = $log,
                    status = CASE WHEN $done THEN 1 ELSE 0 END, processed_at = CASE WHEN $done THEN $now ELSE NULL END
                WHERE seq = $e
                """);
            var left = update.Parameters.Add("$left", SqliteType.Text);
            var log = update.Parameters.Add("$log", SqliteType.Text);
            var done = update.Parameters.Add("$done", SqliteType.Integer);
            var seq = update.Parameters.Add("$e", SqliteType.Integer);
            update.Parameters.AddWithValue("$now", now);
            foreach (var rule in mapped)
            {
                findSeq.Value = rule.EventSeq;
                List<string> rulesLeft;
                List<MappingRunLog> runLog;
                using (var r = find.ExecuteReader())
                {
                    // Processed already, or gone (purged): nothing of it is waiting for this rule.
                    if (!r.Read()) continue;
                    rulesLeft = r.IsDBNull(1) ? ReadList(r.GetString(0)) : ReadList(r.GetString(1));
                    runLog = r.IsDBNull(2) ? [] : [.. JsonSerializer.Deserialize(r.GetString(2), StoreJson.Default.MappingRunLogs) ?? []];
                }
                // Committed already (a batch held the same rule twice): its messages are in.
                if (!rulesLeft.Remove(rule.Rule)) continue;
                foreach (var m in rule.Messages) insert.Run(rule.EventSeq, m);
                var said = rule.Log;
                if (rule.Group is { } join)
                {
                    var incident = SqliteIncidents.Fold(c, tx, join);
                    if (said is not null) said = Held(said, incident, join);
                }
                if (said is { } entry)
                {
                    // A replayed mapping's run replaces what the rule's earlier run said.
                    runLog.RemoveAll(l => l.Rule == entry.Rule);
                    runLog.Add(entry);
                }
                left.Value = WriteList(rulesLeft);
                log.Value = runLog.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(runLog, StoreJson.Default.MappingRunLogs);
                done.Value = rulesLeft.Count == 0 ? 1 : 0;
                seq.Value = rule.EventSeq;
                update.ExecuteNonQuery();
            }
            return true;
        });
    }

    /// <summary>A grouped rule's log says which incident its event joined.</summary>
    internal static MappingRunLog Held(MappingRunLog log, Incidents.IncidentState incident, Incidents.IncidentJoin join) =>
        log with { Console = [.. log.Console, Incidents.IncidentLogic.HeldLine(incident, join.Config)] };

    /// <summary>One prepared insert for every message of a commit (the incident cards' too).</summary>
    internal sealed class MessageInsert
    {
        private readonly SqliteCommand _insert;
        private readonly SqliteParameter _event, _rule, _idx, _dest, _topic, _body, _status, _next, _dead, _sequence, _lane;

        public MessageInsert(SqliteConnection c, SqliteTransaction tx, long now)
        {
            _insert = Prepared(c, tx, """
                -- A message the event already has (a re-run for a replayed mapping) is not made twice.
                INSERT INTO messages (event_seq, rule, idx, destination, topic, body, status, attempts, next_attempt_at, created_at, updated_at, dead_reason, last_error, sequence_id, lane)
                SELECT $e, $rule, $idx, $dest, $topic, $body, $status, 0, $next, $now, $now, $dead, $dead, $seq, $lane
                WHERE NOT EXISTS (SELECT 1 FROM messages WHERE event_seq = $e AND rule = $rule AND idx = $idx)
                """);
            _insert.Parameters.AddWithValue("$now", now);
            _event = _insert.Parameters.Add("$e", SqliteType.Integer);
            _rule = _insert.Parameters.Add("$rule", SqliteType.Text);
            _idx = _insert.Parameters.Add("$idx", SqliteType.Integer);
            _dest = _insert.Parameters.Add("$dest", SqliteType.Text);
            _topic = _insert.Parameters.Add("$topic", SqliteType.Text);
            _body = _insert.Parameters.Add("$body", SqliteType.Blob);
            _status = _insert.Parameters.Add("$status", SqliteType.Integer);
            _next = _insert.Parameters.Add("$next", SqliteType.Integer);
            _dead = _insert.Parameters.Add("$dead", SqliteType.Text);
            _sequence = _insert.Parameters.Add("$seq", SqliteType.Text);
            _lane = _insert.Parameters.Add("$lane", SqliteType.Integer);
        }

        public void Run(long eventSeq, NewMessage m)
        {
            _event.Value = eventSeq;
            _rule.Value = m.Rule;
            _idx.Value = m.Index;
            _dest.Value = m.Destination;
            _topic.Value = (object?)m.Topic ?? DBNull.Value;
            _body.Value = (object?)m.Body ?? DBNull.Value;
            _status.Value = (int)m.Status;
            _next.Value = m.FirstAttemptAt.ToUnixTimeMilliseconds();
            _dead.Value = (object?)m.DeadReason ?? DBNull.Value;
            _sequence.Value = (object?)m.SequenceId ?? DBNull.Value;
            _lane.Value = (int)m.Lane;
            _insert.ExecuteNonQuery();
        }
    }

    /// <summary>An event flattened to the columns it is stored in, computed before it joins the writer's queue.</summary>
    internal sealed record EventRow(string EventId, string Source, string? Action, long ReceivedAt, string DedupeKey, long DedupeWindowMs,
        IReadOnlyList<string> Matched, string VerdictsJson, byte[] Body, byte[] EventJson)
    {
        public static EventRow From(NewEvent e)
        {
            var matched = new List<string>();
            foreach (var v in e.Verdicts) if (v.Matched) matched.Add(v.Rule);
            return new EventRow(e.Event.Id, e.Event.Source, e.Event.Action, e.ReceivedAt.ToUnixTimeMilliseconds(), e.DedupeKey,
                (long)e.DedupeWindow.TotalMilliseconds, matched, VerdictJson(e.Verdicts),
                System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(e.Event.Raw).ToArray(),
                Events.EventJson.ToUtf8(e.Event, includeRaw: false));
        }

        private static string VerdictJson(IReadOnlyList<RuleVerdict> verdicts) => Events.JsonBytes.WriteText(verdicts, static (w, verdicts) =>
        {
            w.WriteStartArray();
            foreach (var v in verdicts)
            {
                w.WriteStartObject();
                w.WriteString("rule", v.Rule);
                w.WriteBoolean("matched", v.Matched);
                if (v.Reason is not null) w.WriteString("reason", v.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }
}
