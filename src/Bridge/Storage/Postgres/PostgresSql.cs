using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Bridge.Storage.Postgres;

/// <summary>The SQL plumbing and row shapes the PostgreSQL parts share.</summary>
internal static class PostgresSql
{
    /// <summary>
    /// "Now" in every statement: the database's clock (<c>now()</c>, the transaction's start) unless the engine runs on the
    /// host's clock, which then comes as <c>@now</c> (see <see cref="PostgresClock"/>).
    /// </summary>
    public const string Now = "COALESCE(@now, now())";

    public const string EventColumns =
        "seq, event_id, source, action, status, received_at, dedupe_key, body, event_json, verdicts, rules_to_run, duplicates, processed_at, mapping_log, rules_left";

    public const string MessageColumns =
        "m.id, m.event_seq, e.event_id, m.rule, m.idx, m.destination, m.topic, m.body, m.status, m.attempts, m.next_attempt_at, m.created_at, m.updated_at, m.last_error, m.dead_reason, e.dedupe_key, m.lane";

    /// <param name="offset">Where <see cref="EventColumns"/> start in the row (after columns of another table).</param>
    public static StoredEvent ReadEvent(NpgsqlDataReader r, int offset)
    {
        var rulesToRun = r.GetFieldValue<string[]>(offset + 10);
        return new StoredEvent(
            r.GetInt64(offset), r.GetString(offset + 1), r.GetString(offset + 2), r.IsDBNull(offset + 3) ? null : r.GetString(offset + 3),
            (EventStatus)r.GetInt16(offset + 4), Time(r, offset + 5), r.GetString(offset + 6), r.GetFieldValue<byte[]>(offset + 7),
            r.GetFieldValue<byte[]>(offset + 8), r.GetString(offset + 9), rulesToRun, r.GetInt32(offset + 11), r.IsDBNull(offset + 12) ? null : Time(r, offset + 12))
        {
            MappingLog = r.IsDBNull(offset + 13) ? [] : JsonSerializer.Deserialize(r.GetString(offset + 13), StoreJson.Default.MappingRunLogs) ?? [],
            RulesLeft = r.IsDBNull(offset + 14) ? rulesToRun : r.GetFieldValue<string[]>(offset + 14),
        };
    }

    public static StoredEvent ReadEvent(NpgsqlDataReader r) => ReadEvent(r, 0);

    public static StoredMessage ReadMessage(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6),
        r.IsDBNull(7) ? null : r.GetFieldValue<byte[]>(7), (MessageStatus)r.GetInt16(8), r.GetInt32(9), Time(r, 10),
        Time(r, 11), Time(r, 12), r.IsDBNull(13) ? null : r.GetString(13), r.IsDBNull(14) ? null : r.GetString(14), r.GetString(15))
    {
        Lane = (MessageLane)r.GetInt16(16),
    };

    public static DateTimeOffset Time(NpgsqlDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i);

    public static async Task<List<T>> ReadAllAsync<T>(NpgsqlCommand q, Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        var items = new List<T>();
        await using var r = await q.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) items.Add(read(r));
        return items;
    }

    /// <summary>The one time <paramref name="q"/> reads, or null (a scalar timestamptz comes as a UTC DateTime).</summary>
    public static async Task<DateTimeOffset?> ScalarTimeAsync(NpgsqlCommand q, CancellationToken ct) =>
        await q.ExecuteScalarAsync(ct) is DateTime utc ? new DateTimeOffset(utc, TimeSpan.Zero) : null;

    public static NpgsqlCommand Command(NpgsqlConnection c, NpgsqlTransaction? tx, string sql) => new(sql, c, tx);

    public static void Set(this NpgsqlParameterCollection p, string name, object? value) => p.AddWithValue(name, value ?? DBNull.Value);

    public static void Set(this NpgsqlParameterCollection p, string name, NpgsqlDbType type, object? value) =>
        p.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });

    public static string? MappingLogJson(List<MappingRunLog> log) => log.Count == 0 ? null : JsonSerializer.Serialize(log, StoreJson.Default.MappingRunLogs);

    public static long? ParseCursor(string? cursor) =>
        long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static Page<T> ToPage<T>(List<T> items, int limit, Func<T, long> key)
    {
        if (items.Count <= limit) return new Page<T>(items, null);
        items.RemoveAt(items.Count - 1);
        return new Page<T>(items, key(items[^1]).ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// Whose clock the PostgreSQL store keeps time by. In production, the database's: instances on several machines agree on
/// when a lease lapsed or a retry falls due however their own clocks drift. The callers (delivery, retention) still reckon
/// in their own clock; every time they pass is turned into an offset from their "now" and applied to the database's.
/// A host given a clock of its own (the tests' fake one, which they move by hand) runs the store on that clock instead,
/// so the same tests judge both engines.
/// </summary>
internal sealed class PostgresClock(TimeProvider? hostClock)
{
    private readonly TimeProvider _caller = hostClock ?? TimeProvider.System;

    public bool IsDatabase => hostClock is null;

    /// <summary>Sets <c>@now</c>: null (the database's now()) or the caller's now.</summary>
    public void SetNow(NpgsqlCommand command, DateTimeOffset callerNow) =>
        command.Parameters.Set("now", NpgsqlDbType.TimestampTz, IsDatabase ? null : callerNow);

    /// <summary>Sets <c>@now</c> for a call that names no now: the caller's clock read at once.</summary>
    public DateTimeOffset SetNow(NpgsqlCommand command)
    {
        var now = _caller.GetUtcNow();
        SetNow(command, now);
        return now;
    }

    /// <summary>Sets <paramref name="name"/> to how far <paramref name="at"/> lies from <paramref name="callerNow"/>, for <c>{Now} + @name</c>.</summary>
    public static void SetOffset(NpgsqlCommand command, string name, DateTimeOffset at, DateTimeOffset callerNow) =>
        command.Parameters.Set(name, NpgsqlDbType.Interval, at - callerNow);
}
