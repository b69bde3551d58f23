using System.Collections.Concurrent;
using Bridge.Configuration;
using Npgsql;
using NpgsqlTypes;

namespace Bridge.Storage.Postgres;

/// <summary>
/// Destination states in PostgreSQL's <c>destinations</c> table, one row per destination, shared by every bridge on the
/// database. A change is one <c>UPDATE … WHERE version = @v</c> (or, for a destination nobody had trouble with yet, an
/// <c>INSERT … ON CONFLICT DO NOTHING</c>): of two instances deciding at once, one row count is 1 and the other's 0, and
/// the loser reads what won. Looks are answered from memory for <see cref="Freshness"/>, so the delivery loop's every
/// round costs no round trip while the destination is healthy; another instance's pause is seen within that time, and
/// the sends this instance starts meanwhile get the same refusal and confirm it.
/// </summary>
/// <remarks>
/// A state's times are the deciding instance's clock, as the in-memory states are; instances on one database keep their
/// clocks in step (NTP), and a skew only moves a probe or the end of a hold by as much. The token bucket, which every
/// instance changes many times a minute, keeps the database's clock instead, so a skew cannot refill it faster.
/// </remarks>
/// <param name="hostClock">Null: the bucket keeps the database's clock (production). A clock: everything keeps it (tests).</param>
public sealed class PostgresDestinationStates(NpgsqlDataSource data, TimeProvider? hostClock) : IDestinationStates
{
    /// <summary>How long a look at a destination's row is reused.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private const string Columns = "state, reason, probe_owner, probe_until, hold_until, version, hold_reason, hold_quota";

    private readonly TimeProvider _time = hostClock ?? TimeProvider.System;

    private readonly ConcurrentDictionary<string, (DestinationState State, DateTimeOffset ReadAt)> _known = new(StringComparer.Ordinal);

    public async ValueTask<DestinationState> GetAsync(string destination, CancellationToken ct)
    {
        if (_known.TryGetValue(destination, out var known) && _time.GetUtcNow() - known.ReadAt < Freshness) return known.State;
        return await ReadAsync(destination, ct);
    }

    public async ValueTask<(bool Swapped, DestinationState Current)> TrySwapAsync(string destination, DestinationState expected, DestinationState next,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(next);
        // Version 0 is a destination whose state nobody changed yet: the first change inserts its row, or fills the one its
        // token bucket made; of two first changes the one that lost finds version 1.
        const string Set = "state = @state, reason = @reason, probe_owner = @owner, probe_until = @probe, hold_until = @hold, hold_reason = @holdReason, hold_quota = @quota";
        var sql = expected.Version == 0
            ? $"INSERT INTO destinations (destination, {Columns}) VALUES (@destination, @state, @reason, @owner, @probe, @hold, 1, @holdReason, @quota) "
              + $"ON CONFLICT (destination) DO UPDATE SET {Set}, version = 1 WHERE destinations.version = 0 RETURNING version"
            : $"UPDATE destinations SET {Set}, version = version + 1 WHERE destination = @destination AND version = @version RETURNING version";
        long? version;
        try
        {
            await using var command = data.CreateCommand(sql);
            command.Parameters.AddWithValue("destination", destination);
            // The row names the mode as status reports it: healthy, tripped, paused.
            command.Parameters.AddWithValue("state", next.Mode.ToString().ToLowerInvariant());
            command.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = (object?)next.Reason ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = (object?)next.ProbeOwner ?? DBNull.Value });
            command.Parameters.Add(Time("probe", next.ProbeAt));
            command.Parameters.Add(Time("hold", next.HoldUntil));
            command.Parameters.Add(new NpgsqlParameter("holdReason", NpgsqlDbType.Text) { Value = (object?)next.HoldReason ?? DBNull.Value });
            command.Parameters.AddWithValue("quota", next.QuotaHold);
            command.Parameters.AddWithValue("version", expected.Version);
            version = (long?)await command.ExecuteScalarAsync(ct);
        }
        catch (NpgsqlException e)
        {
            throw new StoreUnavailableException($"PostgreSQL: {e.Message}", e);
        }
        if (version is not { } won) return (false, await ReadAsync(destination, ct));
        var current = next with { Version = won };
        _known[destination] = (current, _time.GetUtcNow());
        return (true, current);
    }

    private async Task<DestinationState> ReadAsync(string destination, CancellationToken ct)
    {
        var readAt = _time.GetUtcNow();
        DestinationState state;
        try
        {
            await using var command = data.CreateCommand($"SELECT {Columns} FROM destinations WHERE destination = @destination");
            command.Parameters.AddWithValue("destination", destination);
            await using var reader = await command.ExecuteReaderAsync(ct);
            state = await reader.ReadAsync(ct)
                ? new DestinationState(reader.IsDBNull(0) ? DestinationMode.Healthy : Enum.Parse<DestinationMode>(reader.GetString(0), ignoreCase: true), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    At(reader, 3), At(reader, 4), reader.GetInt64(5))
                {
                    HoldReason = reader.IsDBNull(6) ? null : reader.GetString(6),
                    QuotaHold = reader.GetBoolean(7),
                }
                : DestinationState.Healthy;
        }
        catch (NpgsqlException e)
        {
            throw new StoreUnavailableException($"PostgreSQL: {e.Message}", e);
        }
        _known[destination] = (state, readAt);
        return state;
    }

    /// <summary>
    /// One transaction: the row (made if the destination has none yet) is locked, so of two instances taking tokens at once
    /// the second waits for the first's commit and takes from what it left; the change is the same arithmetic as in memory.
    /// Three round trips (the lock and read, the write, the commit) for as many tokens as the caller's round may use.
    /// </summary>
    public async ValueTask<(PaceBucket Before, PaceBucket After)> PaceAsync(string destination, PaceConfig rate, DateTimeOffset now,
        Func<PaceBucket, DateTimeOffset, PaceBucket> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        try
        {
            await using var connection = await data.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            PaceBucket before;
            DateTimeOffset keeperNow;
            await using (var read = new NpgsqlBatch(connection, tx))
            {
                // Statements apart: the lock's snapshot sees a row another instance's insert just committed, and the clock is
                // read once the lock is held (clock_timestamp, not the transaction's now()), so a wait for it is not refilled twice.
                var make = new NpgsqlBatchCommand("INSERT INTO destinations (destination) VALUES (@destination) ON CONFLICT (destination) DO NOTHING");
                make.Parameters.AddWithValue("destination", destination);
                var select = new NpgsqlBatchCommand("SELECT tokens, tokens_at, slowdown, slowed_at FROM destinations WHERE destination = @destination FOR UPDATE");
                select.Parameters.AddWithValue("destination", destination);
                var clock = new NpgsqlBatchCommand("SELECT COALESCE(@now, clock_timestamp())");
                clock.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = hostClock is null ? DBNull.Value : now.UtcDateTime });
                read.BatchCommands.Add(make);
                read.BatchCommands.Add(select);
                read.BatchCommands.Add(clock);
                await using var reader = await read.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                PaceBucket? stored = reader.IsDBNull(0) || reader.IsDBNull(1) ? null : new PaceBucket(reader.GetDouble(0), At(reader, 1), reader.GetInt32(2), At(reader, 3));
                await reader.NextResultAsync(ct);
                await reader.ReadAsync(ct);
                keeperNow = At(reader, 0);
                before = stored ?? PaceBucket.Full(rate, keeperNow);
            }
            var after = change(before, keeperNow);
            await using (var write = new NpgsqlCommand("UPDATE destinations SET tokens = @tokens, tokens_at = @at, slowdown = @slowdown, slowed_at = @slowed WHERE destination = @destination",
                             connection, tx))
            {
                write.Parameters.AddWithValue("destination", destination);
                write.Parameters.AddWithValue("tokens", after.Tokens);
                write.Parameters.Add(Time("at", after.At));
                write.Parameters.AddWithValue("slowdown", after.TimesSlowed);
                write.Parameters.Add(Time("slowed", after.SlowedAt));
                await write.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
            // Back to the caller's clock: the keeper's times, moved by how far its now lies from the caller's.
            var shift = now - keeperNow;
            return (Shift(before, shift), Shift(after, shift));
        }
        catch (NpgsqlException e)
        {
            throw new StoreUnavailableException($"PostgreSQL: {e.Message}", e);
        }
    }

    private static PaceBucket Shift(PaceBucket bucket, TimeSpan by) => bucket with
    {
        At = bucket.At + by,
        SlowedAt = bucket.SlowedAt == DateTimeOffset.MinValue ? bucket.SlowedAt : bucket.SlowedAt + by,
    };

    /// <summary>The state's "never" (<see cref="DateTimeOffset.MinValue"/>) is NULL in the row.</summary>
    private static NpgsqlParameter Time(string name, DateTimeOffset at) =>
        new(name, NpgsqlDbType.TimestampTz) { Value = at == DateTimeOffset.MinValue ? DBNull.Value : at.UtcDateTime };

    private static DateTimeOffset At(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? DateTimeOffset.MinValue : new DateTimeOffset(reader.GetDateTime(ordinal), TimeSpan.Zero);
}
