using System.Globalization;
using System.Text;
using System.Text.Json;
using Bridge.Events;
using Bridge.Rules;
using Microsoft.Data.Sqlite;

namespace Bridge.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a completed write survives a power
/// cut, not only a crash. Writes go through one <see cref="GroupCommitWriter"/>; reads use their own pooled connections,
/// which WAL lets run beside the writer.
/// </summary>
public sealed class SqliteBridgeStore(string path, TimeProvider time, ILogger<SqliteBridgeStore> log) : IBridgeStore
{
    /// <summary>Told how long each commit took (for the metrics); set before <see cref="OpenAsync"/>.</summary>
    public Action<TimeSpan>? CommitObserved { get; init; }

    private SqliteConnection? _connection;
    private FileStream? _ownership;
    private GroupCommitWriter? _writer;
    private string _readConnectionString = "";
    private bool _inMemory;

    public string Path { get; } = path;

    /// <summary>The journal mode the writer connection runs in (<c>wal</c> for a file), read back from SQLite.</summary>
    public string JournalMode { get; private set; } = "";

    /// <summary>The writer connection's <c>synchronous</c> level as SQLite reports it (2 is FULL).</summary>
    public int Synchronous { get; private set; }

    /// <summary>Transactions committed, and the writes they carried (group commit folds many writes into one).</summary>
    public (long Commits, long Writes) CommitStats => _writer is null ? (0, 0) : (_writer.Commits, _writer.Writes);

    public string? LastCommitFailure => _writer?.LastFailure;

    public Task OpenAsync(CancellationToken ct)
    {
        _inMemory = Path == Configuration.StorageConfig.InMemoryPath;
        var builder = new SqliteConnectionStringBuilder
        {
            Mode = _inMemory ? SqliteOpenMode.Memory : SqliteOpenMode.ReadWriteCreate,
            Cache = _inMemory ? SqliteCacheMode.Shared : SqliteCacheMode.Private,
            DataSource = _inMemory ? "bridge-" + Guid.NewGuid().ToString("N") : Path,
            Pooling = true,
            // How long a write waits for a lock held by another process before the store reports itself unavailable.
            DefaultTimeout = 5,
        };
        if (!_inMemory)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            _ownership = TakeOwnership(Path);
        }
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            JournalMode = Scalar(connection, "PRAGMA journal_mode = WAL")?.ToString() ?? "";
            Execute(connection, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
            Synchronous = Convert.ToInt32(Scalar(connection, "PRAGMA synchronous"), CultureInfo.InvariantCulture);
            var before = SqliteMigrations.Apply(connection, time);
            if (before < SqliteMigrations.Latest)
                log.LogInformation("Store {Path}: schema {From} → {To}", Path, before, SqliteMigrations.Latest);
            // One bridge owns this file; claims still held were a previous process's sends, cut short.
            var released = Execute(connection, "UPDATE messages SET claimed_until = NULL WHERE claimed_until IS NOT NULL");
            if (released > 0) log.LogWarning("Store {Path}: {Count} sends were under way when the bridge last stopped; they will be tried again", Path, released);
        }
        catch (Exception e)
        {
            // Out of the pool too: a pooled connection would keep the broken file open for the next try.
            SqliteConnection.ClearPool(connection);
            connection.Dispose();
            _ownership?.Dispose();
            _ownership = null;
            if (e is SqliteException sqlite)
                throw new StoreUnavailableException($"cannot open the store at {Path}: {sqlite.Message}", sqlite);
            throw;
        }
        _connection = connection;
        _readConnectionString = builder.ToString();
        _writer = new GroupCommitWriter(connection, log) { CommitObserved = CommitObserved };
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null) await _writer.DisposeAsync();
        _connection?.Dispose();
        if (!_inMemory && _readConnectionString.Length > 0) SqliteConnection.ClearPool(new SqliteConnection(_readConnectionString));
        if (_ownership is not null) await _ownership.DisposeAsync();
    }

    /// <summary>
    /// One bridge per store: a second process on the same file would deliver every message twice. An exclusive lock on a
    /// file beside it (released by the OS when the process dies, however it dies) keeps the second one out.
    /// </summary>
    private static FileStream TakeOwnership(string path)
    {
        var lockPath = path + ".lock";
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new StoreUnavailableException($"another bridge process is using the store {path} (its lock file {lockPath} is held): {e.Message}", e);
        }
    }

    public async Task<AcceptResult> AcceptEventAsync(NewEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        // Serialise outside the writer loop: it is the one thread every request waits on.
        var row = EventRow.From(e);
        try
        {
            return await Writer.WriteAsync((c, tx) => Accept(c, tx, row));
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
            using var find = Command(c, tx, "SELECT event_seq FROM dedupe WHERE key = $k AND rule = $r AND expires_at > $now");
            var k = find.Parameters.AddWithValue("$k", row.DedupeKey);
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
                using var count = Command(c, tx, "UPDATE events SET duplicates = duplicates + 1 WHERE seq = $s RETURNING event_id");
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

        using var insert = Command(c, tx, """
            INSERT INTO events (event_id, source, action, status, received_at, dedupe_key, matched, rules_to_run, verdicts, body, event_json)
            VALUES ($id, $source, $action, 0, $at, $key, $matched, $run, $verdicts, $body, $json) RETURNING seq
            """);
        insert.Parameters.AddWithValue("$id", row.EventId);
        insert.Parameters.AddWithValue("$source", row.Source);
        insert.Parameters.AddWithValue("$action", (object?)row.Action ?? DBNull.Value);
        insert.Parameters.AddWithValue("$at", now);
        insert.Parameters.AddWithValue("$key", row.DedupeKey);
        insert.Parameters.AddWithValue("$matched", "," + string.Join(',', row.Matched) + ",");
        insert.Parameters.AddWithValue("$run", JsonSerializer.Serialize(toRun, StoreJson.Default.ListString));
        insert.Parameters.AddWithValue("$verdicts", row.VerdictsJson);
        insert.Parameters.AddWithValue("$body", row.Body);
        insert.Parameters.AddWithValue("$json", row.EventJson);
        var eventSeq = (long)insert.ExecuteScalar()!;

        if (row.DedupeWindowMs > 0)
        {
            using var remember = Command(c, tx, "INSERT OR REPLACE INTO dedupe (key, rule, event_seq, expires_at) VALUES ($k, $r, $s, $exp)");
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
        ReadAsync<IReadOnlyList<StoredEvent>>((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT {EventColumns} FROM events WHERE status = 0 AND seq > $after ORDER BY seq LIMIT $n");
            q.Parameters.AddWithValue("$after", afterSeq);
            q.Parameters.AddWithValue("$n", limit);
            return ReadAll(q, ReadEvent);
        });

    public Task CompleteEventAsync(long eventSeq, IReadOnlyList<NewMessage> messages, IReadOnlyList<MappingRunLog> mappingLog, DateTimeOffset at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(mappingLog);
        return Writer.WriteAsync((c, tx) =>
        {
            var now = at.ToUnixTimeMilliseconds();
            if (messages.Count > 0)
            {
                using var insert = Command(c, tx, """
                    -- A message the event already has (a re-run for a replayed mapping) is not made twice.
                    INSERT INTO messages (event_seq, rule, idx, destination, topic, body, status, attempts, next_attempt_at, created_at, updated_at, dead_reason, last_error)
                    SELECT $e, $rule, $idx, $dest, $topic, $body, $status, 0, $next, $now, $now, $dead, $dead
                    WHERE NOT EXISTS (SELECT 1 FROM messages WHERE event_seq = $e AND rule = $rule AND idx = $idx)
                    """);
                insert.Parameters.AddWithValue("$e", eventSeq);
                insert.Parameters.AddWithValue("$now", now);
                var rule = insert.Parameters.Add("$rule", SqliteType.Text);
                var idx = insert.Parameters.Add("$idx", SqliteType.Integer);
                var dest = insert.Parameters.Add("$dest", SqliteType.Text);
                var topic = insert.Parameters.Add("$topic", SqliteType.Text);
                var body = insert.Parameters.Add("$body", SqliteType.Blob);
                var status = insert.Parameters.Add("$status", SqliteType.Integer);
                var next = insert.Parameters.Add("$next", SqliteType.Integer);
                var dead = insert.Parameters.Add("$dead", SqliteType.Text);
                foreach (var m in messages)
                {
                    rule.Value = m.Rule;
                    idx.Value = m.Index;
                    dest.Value = m.Destination;
                    topic.Value = (object?)m.Topic ?? DBNull.Value;
                    body.Value = (object?)m.Body ?? DBNull.Value;
                    status.Value = (int)m.Status;
                    next.Value = m.FirstAttemptAt.ToUnixTimeMilliseconds();
                    dead.Value = (object?)m.DeadReason ?? DBNull.Value;
                    insert.ExecuteNonQuery();
                }
            }
            using var done = Command(c, tx, "UPDATE events SET status = 1, processed_at = $now, mapping_log = $log WHERE seq = $e");
            done.Parameters.AddWithValue("$now", now);
            done.Parameters.AddWithValue("$log", mappingLog.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(mappingLog, StoreJson.Default.MappingRunLogs));
            done.Parameters.AddWithValue("$e", eventSeq);
            done.ExecuteNonQuery();
            return true;
        });
    }

    public Task<IReadOnlyList<StoredMessage>> ClaimDueMessagesAsync(string destination, DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct) =>
        Writer.WriteAsync<IReadOnlyList<StoredMessage>>((c, tx) =>
        {
            var nowMs = now.ToUnixTimeMilliseconds();
            using var q = Command(c, tx, $"""
                SELECT {MessageColumns} FROM messages m JOIN events e ON e.seq = m.event_seq
                WHERE m.status = 0 AND m.destination = $d AND m.next_attempt_at <= $now AND (m.claimed_until IS NULL OR m.claimed_until <= $now)
                ORDER BY m.id LIMIT $n
                """);
            q.Parameters.AddWithValue("$d", destination);
            q.Parameters.AddWithValue("$now", nowMs);
            q.Parameters.AddWithValue("$n", limit);
            var claimed = ReadAll(q, ReadMessage);
            if (claimed.Count == 0) return claimed;
            using var claim = Command(c, tx, "UPDATE messages SET claimed_until = $until WHERE id = $id");
            claim.Parameters.AddWithValue("$until", nowMs + (long)lease.TotalMilliseconds);
            var id = claim.Parameters.Add("$id", SqliteType.Integer);
            foreach (var m in claimed)
            {
                id.Value = m.Id;
                claim.ExecuteNonQuery();
            }
            return claimed;
        });

    public Task<DateTimeOffset?> GetNextDueAsync(string destination, CancellationToken ct) =>
        ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, """
                SELECT MIN(CASE WHEN claimed_until IS NULL THEN next_attempt_at ELSE MAX(next_attempt_at, claimed_until) END)
                FROM messages WHERE status = 0 AND destination = $d
                """);
            q.Parameters.AddWithValue("$d", destination);
            return q.ExecuteScalar() is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        });

    public Task RecordAttemptAsync(AttemptRecord attempt, MessageUpdate update, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(update);
        return Writer.WriteAsync((c, tx) =>
        {
            using var insert = Command(c, tx, """
                INSERT INTO attempts (message_id, at, outcome, http_status, ntfy_code, detail, duration_ms)
                VALUES ($m, $at, $outcome, $http, $code, $detail, $ms)
                """);
            insert.Parameters.AddWithValue("$m", attempt.MessageId);
            insert.Parameters.AddWithValue("$at", attempt.At.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("$outcome", attempt.Outcome);
            insert.Parameters.AddWithValue("$http", (object?)attempt.HttpStatus ?? DBNull.Value);
            insert.Parameters.AddWithValue("$code", (object?)attempt.NtfyCode ?? DBNull.Value);
            insert.Parameters.AddWithValue("$detail", attempt.Detail);
            insert.Parameters.AddWithValue("$ms", (long)attempt.Duration.TotalMilliseconds);
            insert.ExecuteNonQuery();
            using var set = Command(c, tx, """
                UPDATE messages SET status = $status, attempts = $attempts, next_attempt_at = $next, last_error = $error,
                    dead_reason = $dead, updated_at = $now, claimed_until = NULL
                WHERE id = $m
                """);
            set.Parameters.AddWithValue("$m", attempt.MessageId);
            set.Parameters.AddWithValue("$status", (int)update.Status);
            set.Parameters.AddWithValue("$attempts", update.Attempts);
            set.Parameters.AddWithValue("$next", update.NextAttemptAt.ToUnixTimeMilliseconds());
            set.Parameters.AddWithValue("$error", (object?)update.LastError ?? DBNull.Value);
            set.Parameters.AddWithValue("$dead", (object?)update.DeadReason ?? DBNull.Value);
            set.Parameters.AddWithValue("$now", (attempt.At + attempt.Duration).ToUnixTimeMilliseconds());
            set.ExecuteNonQuery();
            return true;
        });
    }

    public Task ReleaseClaimsAsync(IReadOnlyList<long> messageIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        if (messageIds.Count == 0) return Task.CompletedTask;
        return Writer.WriteAsync((c, tx) =>
        {
            using var release = Command(c, tx, "UPDATE messages SET claimed_until = NULL WHERE id = $id");
            var id = release.Parameters.Add("$id", SqliteType.Integer);
            foreach (var m in messageIds)
            {
                id.Value = m;
                release.ExecuteNonQuery();
            }
            return true;
        });
    }

    public Task<int> ExpireAsync(string destination, DateTimeOffset createdBefore, DateTimeOffset now, string reason, CancellationToken ct) =>
        Writer.WriteAsync((c, tx) =>
        {
            using var expire = Command(c, tx, """
                UPDATE messages SET status = 2, dead_reason = $reason, updated_at = $now
                WHERE status = 0 AND destination = $d AND created_at < $before AND claimed_until IS NULL
                """);
            expire.Parameters.AddWithValue("$reason", reason);
            expire.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            expire.Parameters.AddWithValue("$d", destination);
            expire.Parameters.AddWithValue("$before", createdBefore.ToUnixTimeMilliseconds());
            return expire.ExecuteNonQuery();
        });

    public Task<int> ReplayAsync(MessageFilter filter, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Writer.WriteAsync((c, tx) =>
        {
            using var replay = Command(c, tx, "");
            var where = MessageWhere(replay, filter with { Status = MessageStatus.Dead });
            replay.CommandText = $"""
                UPDATE messages SET status = 0, attempts = 0, next_attempt_at = $now, dead_reason = NULL, updated_at = $now, claimed_until = NULL
                WHERE id IN (SELECT m.id FROM messages m JOIN events e ON e.seq = m.event_seq WHERE {where} AND m.body IS NOT NULL)
                """;
            replay.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return replay.ExecuteNonQuery();
        });
    }

    public Task<bool> ReplayMappingAsync(long messageId, CancellationToken ct) =>
        Writer.WriteAsync((c, tx) =>
        {
            using var find = Command(c, tx, "SELECT event_seq, rule FROM messages WHERE id = $m AND status = 2 AND body IS NULL");
            find.Parameters.AddWithValue("$m", messageId);
            long eventSeq;
            string rule;
            using (var r = find.ExecuteReader())
            {
                if (!r.Read()) return false;
                eventSeq = r.GetInt64(0);
                rule = r.GetString(1);
            }
            using var remove = Command(c, tx, "DELETE FROM messages WHERE id = $m");
            remove.Parameters.AddWithValue("$m", messageId);
            remove.ExecuteNonQuery();
            using var again = Command(c, tx, "UPDATE events SET status = 0, rules_to_run = $run WHERE seq = $e");
            again.Parameters.AddWithValue("$run", JsonSerializer.Serialize(new List<string> { rule }, StoreJson.Default.ListString));
            again.Parameters.AddWithValue("$e", eventSeq);
            again.ExecuteNonQuery();
            return true;
        });

    public Task<PurgeResult> PurgeAsync(DateTimeOffset before, DateTimeOffset now, CancellationToken ct) =>
        Writer.WriteAsync((c, tx) =>
        {
            using var messages = Command(c, tx, "DELETE FROM messages WHERE status = 1 AND updated_at < $before");
            messages.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            var m = messages.ExecuteNonQuery();
            using var events = Command(c, tx, """
                DELETE FROM events WHERE status = 1 AND received_at < $before
                AND NOT EXISTS (SELECT 1 FROM messages WHERE messages.event_seq = events.seq)
                """);
            events.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            var e = events.ExecuteNonQuery();
            using var keys = Command(c, tx, "DELETE FROM dedupe WHERE expires_at <= $now");
            keys.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return new PurgeResult(m, e, keys.ExecuteNonQuery());
        });

    public Task<Page<StoredEvent>> ListEventsAsync(EventFilter filter, string? cursor, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, "");
            var where = new List<string> { "seq < $cursor" };
            q.Parameters.AddWithValue("$cursor", ParseCursor(cursor) ?? long.MaxValue);
            if (filter.Action is { } action)
            {
                where.Add("action = $action");
                q.Parameters.AddWithValue("$action", action);
            }
            if (filter.Rule is { } rule)
            {
                where.Add("instr(matched, $rule) > 0");
                q.Parameters.AddWithValue("$rule", "," + rule + ",");
            }
            if (filter.Status is { } status)
            {
                where.Add("status = $status");
                q.Parameters.AddWithValue("$status", (int)status);
            }
            q.CommandText = $"SELECT {EventColumns} FROM events WHERE {string.Join(" AND ", where)} ORDER BY seq DESC LIMIT $n";
            q.Parameters.AddWithValue("$n", limit + 1);
            var items = ReadAll(q, ReadEvent);
            return ToPage(items, limit, e => e.Seq);
        });
    }

    public Task<StoredEvent?> GetEventAsync(string eventId, CancellationToken ct) =>
        ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT {EventColumns} FROM events WHERE event_id = $id ORDER BY seq DESC LIMIT 1");
            q.Parameters.AddWithValue("$id", eventId);
            return ReadAll(q, ReadEvent).FirstOrDefault();
        });

    public Task<Page<StoredMessage>> ListMessagesAsync(MessageFilter filter, string? cursor, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, "");
            var where = MessageWhere(q, filter);
            q.CommandText = $"SELECT {MessageColumns} FROM messages m JOIN events e ON e.seq = m.event_seq WHERE {where} AND m.id > $cursor ORDER BY m.id LIMIT $n";
            q.Parameters.AddWithValue("$cursor", ParseCursor(cursor) ?? 0);
            q.Parameters.AddWithValue("$n", limit + 1);
            return ToPage(ReadAll(q, ReadMessage), limit, m => m.Id);
        });
    }

    public Task<StoredMessage?> GetMessageAsync(long id, CancellationToken ct) =>
        ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT {MessageColumns} FROM messages m JOIN events e ON e.seq = m.event_seq WHERE m.id = $id");
            q.Parameters.AddWithValue("$id", id);
            return ReadAll(q, ReadMessage).FirstOrDefault();
        });

    /// <summary>Every message of one stored event, oldest first.</summary>
    public Task<IReadOnlyList<StoredMessage>> GetMessagesOfEventAsync(long eventSeq, CancellationToken ct) =>
        ReadAsync<IReadOnlyList<StoredMessage>>((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT {MessageColumns} FROM messages m JOIN events e ON e.seq = m.event_seq WHERE m.event_seq = $s ORDER BY m.id");
            q.Parameters.AddWithValue("$s", eventSeq);
            return ReadAll(q, ReadMessage);
        });

    public Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(long messageId, CancellationToken ct) =>
        ReadAsync<IReadOnlyList<AttemptRecord>>((c, tx) =>
        {
            using var q = Command(c, tx, "SELECT message_id, at, outcome, http_status, ntfy_code, detail, duration_ms FROM attempts WHERE message_id = $m ORDER BY id");
            q.Parameters.AddWithValue("$m", messageId);
            return ReadAll(q, r => new AttemptRecord(r.GetInt64(0), FromMs(r.GetInt64(1)), r.GetString(2),
                r.IsDBNull(3) ? null : r.GetInt32(3), r.IsDBNull(4) ? null : r.GetInt32(4), r.GetString(5), TimeSpan.FromMilliseconds(r.GetInt64(6))));
        });

    public Task<StoreCounts> CountAsync(CancellationToken ct) =>
        ReadAsync((c, tx) =>
        {
            var unprocessed = Convert.ToInt32(Scalar(c, tx, "SELECT COUNT(*) FROM events WHERE status = 0"), CultureInfo.InvariantCulture);
            var counts = new Dictionary<string, IReadOnlyDictionary<MessageStatus, int>>(StringComparer.Ordinal);
            using var q = Command(c, tx, "SELECT destination, status, COUNT(*) FROM messages GROUP BY destination, status");
            using var r = q.ExecuteReader();
            while (r.Read())
            {
                if (!counts.TryGetValue(r.GetString(0), out var byStatus)) counts[r.GetString(0)] = byStatus = new Dictionary<MessageStatus, int>();
                ((Dictionary<MessageStatus, int>)byStatus)[(MessageStatus)r.GetInt32(1)] = r.GetInt32(2);
            }
            return new StoreCounts(unprocessed, counts);
        });

    private GroupCommitWriter Writer => _writer ?? throw new InvalidOperationException("the store is not open");

    /// <summary>
    /// Reads on a pooled connection of their own, which WAL lets run beside the writer. An in-memory store has one
    /// shared-cache database whose table locks would clash with the writer's, so its reads queue behind the writes.
    /// </summary>
    private async Task<T> ReadAsync<T>(Func<SqliteConnection, SqliteTransaction?, T> read)
    {
        if (_inMemory) return await Writer.WriteAsync((c, tx) => read(c, tx));
        await using var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        return read(connection, null);
    }

    private const string EventColumns = "seq, event_id, source, action, status, received_at, dedupe_key, body, event_json, verdicts, rules_to_run, duplicates, processed_at, mapping_log";

    private static StoredEvent ReadEvent(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), (EventStatus)r.GetInt32(4),
        FromMs(r.GetInt64(5)), r.GetString(6), (byte[])r.GetValue(7), (byte[])r.GetValue(8), r.GetString(9),
        JsonSerializer.Deserialize(r.GetString(10), StoreJson.Default.ListString) ?? [], r.GetInt32(11),
        r.IsDBNull(12) ? null : FromMs(r.GetInt64(12)))
    {
        MappingLog = r.IsDBNull(13) ? [] : JsonSerializer.Deserialize(r.GetString(13), StoreJson.Default.MappingRunLogs) ?? [],
    };

    private const string MessageColumns =
        "m.id, m.event_seq, e.event_id, m.rule, m.idx, m.destination, m.topic, m.body, m.status, m.attempts, m.next_attempt_at, m.created_at, m.updated_at, m.last_error, m.dead_reason, e.dedupe_key";

    private static StoredMessage ReadMessage(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6),
        r.IsDBNull(7) ? null : (byte[])r.GetValue(7), (MessageStatus)r.GetInt32(8), r.GetInt32(9), FromMs(r.GetInt64(10)),
        FromMs(r.GetInt64(11)), FromMs(r.GetInt64(12)), r.IsDBNull(13) ? null : r.GetString(13), r.IsDBNull(14) ? null : r.GetString(14), r.GetString(15));

    private static string MessageWhere(SqliteCommand q, MessageFilter filter)
    {
        var where = new List<string> { "1 = 1" };
        if (filter.Status is { } status)
        {
            where.Add("m.status = $fstatus");
            q.Parameters.AddWithValue("$fstatus", (int)status);
        }
        if (filter.Destination is { } destination)
        {
            where.Add("m.destination = $fdest");
            q.Parameters.AddWithValue("$fdest", destination);
        }
        if (filter.Rule is { } rule)
        {
            where.Add("m.rule = $frule");
            q.Parameters.AddWithValue("$frule", rule);
        }
        if (filter.EventId is { } eventId)
        {
            where.Add("e.event_id = $fevent");
            q.Parameters.AddWithValue("$fevent", eventId);
        }
        if (filter.Id is { } id)
        {
            where.Add("m.id = $fid");
            q.Parameters.AddWithValue("$fid", id);
        }
        return string.Join(" AND ", where);
    }

    private static Page<T> ToPage<T>(List<T> items, int limit, Func<T, long> key)
    {
        if (items.Count <= limit) return new Page<T>(items, null);
        items.RemoveAt(items.Count - 1);
        return new Page<T>(items, key(items[^1]).ToString(CultureInfo.InvariantCulture));
    }

    private static long? ParseCursor(string? cursor) =>
        long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static List<T> ReadAll<T>(SqliteCommand q, Func<SqliteDataReader, T> read)
    {
        var items = new List<T>();
        using var r = q.ExecuteReader();
        while (r.Read()) items.Add(read(r));
        return items;
    }

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction? tx, string sql)
    {
        var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    private static object? Scalar(SqliteConnection c, string sql) => Scalar(c, null, sql);

    private static object? Scalar(SqliteConnection c, SqliteTransaction? tx, string sql)
    {
        using var command = Command(c, tx, sql);
        return command.ExecuteScalar();
    }

    private static int Execute(SqliteConnection c, string sql)
    {
        using var command = Command(c, null, sql);
        return command.ExecuteNonQuery();
    }

    /// <summary>An event flattened to the columns it is stored in, computed before it joins the writer's queue.</summary>
    private sealed record EventRow(string EventId, string Source, string? Action, long ReceivedAt, string DedupeKey, long DedupeWindowMs,
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

        private static string VerdictJson(IReadOnlyList<RuleVerdict> verdicts)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
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
            }
            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
    }
}
