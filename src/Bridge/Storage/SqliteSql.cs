using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Bridge.Storage;

/// <summary>The SQL plumbing and row shapes the SQLite parts share.</summary>
internal static class SqliteSql
{
    public const string EventColumns =
        "seq, event_id, source, action, status, received_at, dedupe_key, body, event_json, verdicts, rules_to_run, duplicates, processed_at, mapping_log, rules_left";

    public const string MessageColumns =
        "m.id, m.event_seq, e.event_id, m.rule, m.idx, m.destination, m.topic, m.body, m.status, m.attempts, m.next_attempt_at, m.created_at, m.updated_at, m.last_error, m.dead_reason, e.dedupe_key, m.lane";

    /// <summary>Writes an event's immutable part (migration 5: apart from its row, so that updates of the row stay small).</summary>
    public static void InsertEventData(SqliteConnection c, SqliteTransaction tx, long seq, byte[] body, byte[] eventJson, string verdicts)
    {
        var insert = Prepared(c, tx, "INSERT INTO event_data (seq, body, event_json, verdicts) VALUES ($s, $body, $json, $verdicts)");
        insert.Parameters.AddWithValue("$s", seq);
        insert.Parameters.AddWithValue("$body", body);
        insert.Parameters.AddWithValue("$json", eventJson);
        insert.Parameters.AddWithValue("$verdicts", verdicts);
        insert.ExecuteNonQuery();
    }

    public static StoredEvent ReadEvent(SqliteDataReader r)
    {
        var rulesToRun = ReadList(r.GetString(10));
        return new StoredEvent(
            r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), (EventStatus)r.GetInt32(4),
            FromMs(r.GetInt64(5)), r.GetString(6), (byte[])r.GetValue(7), (byte[])r.GetValue(8), r.GetString(9), rulesToRun, r.GetInt32(11),
            r.IsDBNull(12) ? null : FromMs(r.GetInt64(12)))
        {
            MappingLog = r.IsDBNull(13) ? [] : JsonSerializer.Deserialize(r.GetString(13), StoreJson.Default.MappingRunLogs) ?? [],
            RulesLeft = r.IsDBNull(14) ? rulesToRun : ReadList(r.GetString(14)),
        };
    }

    public static StoredMessage ReadMessage(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6),
        r.IsDBNull(7) ? null : (byte[])r.GetValue(7), (MessageStatus)r.GetInt32(8), r.GetInt32(9), FromMs(r.GetInt64(10)),
        FromMs(r.GetInt64(11)), FromMs(r.GetInt64(12)), r.IsDBNull(13) ? null : r.GetString(13), r.IsDBNull(14) ? null : r.GetString(14), r.GetString(15))
    {
        Lane = (MessageLane)r.GetInt32(16),
    };

    public static List<string> ReadList(string json) => JsonSerializer.Deserialize(json, StoreJson.Default.ListString) ?? [];

    public static string WriteList(List<string> items) => JsonSerializer.Serialize(items, StoreJson.Default.ListString);

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static List<T> ReadAll<T>(SqliteCommand q, Func<SqliteDataReader, T> read)
    {
        var items = new List<T>();
        using var r = q.ExecuteReader();
        while (r.Read()) items.Add(read(r));
        return items;
    }

    public static SqliteCommand Command(SqliteConnection c, SqliteTransaction? tx, string sql)
    {
        var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> PreparedByConnection = [];

    /// <summary>
    /// A command for <paramref name="sql"/> kept with its connection and reused, so SQLite parses and plans it once, not
    /// once per event or batch. For the writer's statements only: its connection is used by one thread at a time (the
    /// writer loop). Its parameters are cleared; the caller sets them and must not dispose the command.
    /// </summary>
    public static SqliteCommand Prepared(SqliteConnection c, SqliteTransaction? tx, string sql)
    {
        var cache = PreparedByConnection.GetValue(c, static _ => new Dictionary<string, SqliteCommand>(StringComparer.Ordinal));
        if (!cache.TryGetValue(sql, out var command))
        {
            command = c.CreateCommand();
            command.CommandText = sql;
            cache[sql] = command;
        }
        command.Transaction = tx;
        command.Parameters.Clear();
        return command;
    }

    public static object? Scalar(SqliteConnection c, SqliteTransaction? tx, string sql)
    {
        using var command = Command(c, tx, sql);
        return command.ExecuteScalar();
    }

    public static int Execute(SqliteConnection c, string sql)
    {
        using var command = Command(c, null, sql);
        return command.ExecuteNonQuery();
    }
}
