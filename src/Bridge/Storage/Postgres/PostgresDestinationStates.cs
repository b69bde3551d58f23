using System.Collections.Concurrent;
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
/// Times are the deciding instance's clock, as the in-memory states are; instances on one database keep their clocks
/// in step (NTP), and a skew only moves a probe or the end of a hold by as much.
/// </remarks>
public sealed class PostgresDestinationStates(NpgsqlDataSource data, TimeProvider time) : IDestinationStates
{
    /// <summary>How long a look at a destination's row is reused.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private const string Columns = "state, reason, probe_owner, probe_until, hold_until, version";

    private readonly ConcurrentDictionary<string, (DestinationState State, DateTimeOffset ReadAt)> _known = new(StringComparer.Ordinal);

    public async ValueTask<DestinationState> GetAsync(string destination, CancellationToken ct)
    {
        if (_known.TryGetValue(destination, out var known) && time.GetUtcNow() - known.ReadAt < Freshness) return known.State;
        return await ReadAsync(destination, ct);
    }

    public async ValueTask<(bool Swapped, DestinationState Current)> TrySwapAsync(string destination, DestinationState expected, DestinationState next,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(next);
        // Version 0 is a destination without a row: the first change inserts it, and of two first changes the insert that lost conflicts.
        var sql = expected.Version == 0
            ? $"INSERT INTO destinations (destination, {Columns}) VALUES (@destination, @state, @reason, @owner, @probe, @hold, 1) ON CONFLICT (destination) DO NOTHING RETURNING version"
            : "UPDATE destinations SET state = @state, reason = @reason, probe_owner = @owner, probe_until = @probe, hold_until = @hold, version = version + 1 "
              + "WHERE destination = @destination AND version = @version RETURNING version";
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
            command.Parameters.AddWithValue("version", expected.Version);
            version = (long?)await command.ExecuteScalarAsync(ct);
        }
        catch (NpgsqlException e)
        {
            throw new StoreUnavailableException($"PostgreSQL: {e.Message}", e);
        }
        if (version is not { } won) return (false, await ReadAsync(destination, ct));
        var current = next with { Version = won };
        _known[destination] = (current, time.GetUtcNow());
        return (true, current);
    }

    private async Task<DestinationState> ReadAsync(string destination, CancellationToken ct)
    {
        var readAt = time.GetUtcNow();
        DestinationState state;
        try
        {
            await using var command = data.CreateCommand($"SELECT {Columns} FROM destinations WHERE destination = @destination");
            command.Parameters.AddWithValue("destination", destination);
            await using var reader = await command.ExecuteReaderAsync(ct);
            state = await reader.ReadAsync(ct)
                ? new DestinationState(reader.IsDBNull(0) ? DestinationMode.Healthy : Enum.Parse<DestinationMode>(reader.GetString(0), ignoreCase: true), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    At(reader, 3), At(reader, 4), reader.GetInt64(5))
                : DestinationState.Healthy;
        }
        catch (NpgsqlException e)
        {
            throw new StoreUnavailableException($"PostgreSQL: {e.Message}", e);
        }
        _known[destination] = (state, readAt);
        return state;
    }

    /// <summary>The state's "never" (<see cref="DateTimeOffset.MinValue"/>) is NULL in the row.</summary>
    private static NpgsqlParameter Time(string name, DateTimeOffset at) =>
        new(name, NpgsqlDbType.TimestampTz) { Value = at == DateTimeOffset.MinValue ? DBNull.Value : at.UtcDateTime };

    private static DateTimeOffset At(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? DateTimeOffset.MinValue : new DateTimeOffset(reader.GetDateTime(ordinal), TimeSpan.Zero);
}
