using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using static Bridge.Storage.Postgres.PostgresSql;

namespace Bridge.Storage.Postgres;

/// <summary>Incidents and silences on PostgreSQL (schema 3), as on SQLite: a card's messages are rows of <c>messages</c> under the latest event.</summary>
internal sealed class PostgresIncidents(PostgresStore store) : IIncidents
{
    public Task CommitCardAsync(IncidentCard card, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(card);
        return store.WriteAsync(async (c, tx) =>
        {
            if (await PostgresEventLog.InsertMessagesAsync(c, tx, store.Clock, card.State.LastEventSeq, card.Messages, card.At, ct))
                await store.NotifyDueAsync(c, tx, ct);
            if (card.Closed)
            {
                await using var delete = Command(c, tx, "DELETE FROM incidents WHERE id = @id");
                delete.Parameters.Set("id", card.State.Id);
                await delete.ExecuteNonQueryAsync(ct);
            }
            else
            {
                await SaveAsync(c, tx, card.State, ct);
            }
            return true;
        }, ct);
    }

    public Task<IReadOnlyList<OpenIncident>> GetOpenAsync(CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<OpenIncident>>(async c =>
        {
            // The latest event joined in, or nulls when it is gone.
            await using var q = Command(c, null, $"""
                SELECT i.state, {string.Join(", ", EventColumns.Split(", ").Select(column => "e." + column))}
                FROM incidents i LEFT JOIN events e ON e.seq = i.last_event_seq ORDER BY i.rule, i.id
                """);
            return await ReadAllAsync(q, static r => new OpenIncident(JsonSerializer.Deserialize(r.GetString(0), StoreJson.Default.IncidentState)!,
                r.IsDBNull(1) ? null : ReadEvent(r, offset: 1)), ct);
        }, ct);

    public Task<bool> AddSilenceAsync(Silences.Silence silence, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(silence);
        return store.WriteAsync((c, tx) => AddSilenceAsync(c, tx, silence, ct), ct);
    }

    /// <summary>Keeps a new silence unless one has its id, in the caller's transaction. True when written.</summary>
    internal static async Task<bool> AddSilenceAsync(NpgsqlConnection c, NpgsqlTransaction tx, Silences.Silence silence, CancellationToken ct)
    {
        await using var add = Command(c, tx, """
            INSERT INTO silences (id, match, comment, created_by, created_at, ends_at, ended_at) VALUES (@id, @match, @comment, @by, @at, @ends, NULL)
            ON CONFLICT (id) DO NOTHING
            """);
        add.Parameters.Set("id", silence.Id);
        add.Parameters.Set("match", JsonSerializer.Serialize(silence.Match, StoreJson.Default.SilenceMatch));
        add.Parameters.Set("comment", silence.Comment);
        add.Parameters.Set("by", silence.CreatedBy);
        add.Parameters.Set("at", NpgsqlDbType.TimestampTz, silence.CreatedAt);
        add.Parameters.Set("ends", NpgsqlDbType.TimestampTz, silence.EndsAt);
        return await add.ExecuteNonQueryAsync(ct) == 1;
    }

    public Task EndSilenceAsync(string id, DateTimeOffset at, CancellationToken ct) =>
        store.WriteAsync(async (c, tx) =>
        {
            await using var end = Command(c, tx, "UPDATE silences SET ended_at = @at WHERE id = @id AND ended_at IS NULL");
            end.Parameters.Set("id", id);
            end.Parameters.Set("at", NpgsqlDbType.TimestampTz, at);
            return await end.ExecuteNonQueryAsync(ct);
        }, ct);

    public Task<Silences.Silence?> GetSilenceAsync(string id, CancellationToken ct) =>
        store.ReadAsync(async c =>
        {
            await using var q = Command(c, null, $"SELECT {SilenceColumns} FROM silences WHERE id = @id");
            q.Parameters.Set("id", id);
            return (await ReadAllAsync(q, ReadSilence, ct)).FirstOrDefault();
        }, ct);

    public Task<IReadOnlyList<Silences.Silence>> GetSilencesAsync(DateTimeOffset now, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<Silences.Silence>>(async c =>
        {
            await using var q = Command(c, null, $"SELECT {SilenceColumns} FROM silences WHERE ended_at IS NULL AND ends_at > {Now} ORDER BY ends_at");
            store.Clock.SetNow(q, now);
            return await ReadAllAsync(q, ReadSilence, ct);
        }, ct);

    private const string SilenceColumns = "id, match, comment, created_by, created_at, ends_at, ended_at";

    private static Silences.Silence ReadSilence(NpgsqlDataReader r) => new(r.GetString(0), JsonSerializer.Deserialize(r.GetString(1), StoreJson.Default.SilenceMatch)!,
        r.GetString(2), r.GetString(3), Time(r, 4), Time(r, 5), r.IsDBNull(6) ? null : Time(r, 6));

    /// <summary>Saves an incident's state unless the store holds a newer version of it, in the caller's transaction.</summary>
    internal static async Task SaveAsync(NpgsqlConnection c, NpgsqlTransaction tx, Incidents.IncidentState state, CancellationToken ct)
    {
        await using var save = Command(c, tx, """
            INSERT INTO incidents (id, rule, version, last_event_seq, state) VALUES (@id, @rule, @v, @seq, @state)
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, last_event_seq = EXCLUDED.last_event_seq, state = EXCLUDED.state
                WHERE EXCLUDED.version > incidents.version
            """);
        save.Parameters.Set("id", state.Id);
        save.Parameters.Set("rule", state.Rule);
        save.Parameters.Set("v", state.Version);
        save.Parameters.Set("seq", state.LastEventSeq);
        save.Parameters.Set("state", JsonSerializer.Serialize(state, StoreJson.Default.IncidentState));
        await save.ExecuteNonQueryAsync(ct);
    }
}
