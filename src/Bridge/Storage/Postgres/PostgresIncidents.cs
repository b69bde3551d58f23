using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Bridge.Incidents;
using static Bridge.Storage.Postgres.PostgresSql;

namespace Bridge.Storage.Postgres;

/// <summary>
/// Incidents and silences on PostgreSQL (schema 3; 6 adds the group's key while open, the next card's time and the claim),
/// as on SQLite: a card's messages are rows of <c>messages</c> under the latest event. Shared by every instance on the
/// database: folds of one group take its advisory lock, and exactly one instance claims each due card.
/// </summary>
internal sealed class PostgresIncidents(PostgresStore store) : IIncidents
{
    private static readonly string IncidentEventColumns = string.Join(", ", EventColumns.Split(", ").Select(column => "e." + column));

    public Task<IReadOnlyList<ClaimedIncident>> ClaimDueAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct) =>
        store.WriteAsync<IReadOnlyList<ClaimedIncident>>(async (c, tx) =>
        {
            await using var claim = Command(c, tx, $"""
                WITH due AS MATERIALIZED (
                    SELECT id FROM incidents WHERE next_due <= {Now} AND (claimed_until IS NULL OR claimed_until <= {Now})
                    ORDER BY next_due LIMIT @n FOR UPDATE SKIP LOCKED)
                UPDATE incidents i SET claimed_until = {Now} + @lease, claim = i.claim + 1 FROM due WHERE i.id = due.id
                RETURNING i.id
                """);
            store.Clock.SetNow(claim, now);
            claim.Parameters.Set("n", limit);
            claim.Parameters.Set("lease", NpgsqlDbType.Interval, lease);
            var ids = await ReadAllAsync(claim, static r => r.GetString(0), ct);
            if (ids.Count == 0) return [];
            await using var read = Command(c, tx, $"""
                SELECT i.state, i.slot IS NULL, i.claim, {IncidentEventColumns}
                FROM incidents i LEFT JOIN events e ON e.seq = i.last_event_seq WHERE i.id = ANY(@ids) ORDER BY i.next_due
                """);
            read.Parameters.Set("ids", ids.ToArray());
            return await ReadAllAsync(read, static r => new ClaimedIncident(State(r), r.GetBoolean(1), r.IsDBNull(3) ? null : ReadEvent(r, offset: 3), r.GetInt64(2)), ct);
        }, ct);

    public Task<bool> CommitCardAsync(IncidentCard card, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(card);
        return store.WriteAsync(async (c, tx) =>
        {
            IncidentState? current;
            await using (var find = Command(c, tx, "SELECT state FROM incidents WHERE id = @id AND claim = @claim AND claimed_until IS NOT NULL FOR UPDATE"))
            {
                find.Parameters.Set("id", card.MadeFrom.Id);
                find.Parameters.Set("claim", card.Claim);
                current = (await ReadAllAsync(find, State, ct)).FirstOrDefault();
            }
            if (current is null) return false;
            if (await PostgresEventLog.InsertMessagesAsync(c, tx, store.Clock, card.MadeFrom.LastEventSeq, card.Messages, card.At, ct))
                await store.NotifyDueAsync(c, tx, ct);
            if (card.After(current) is { } after)
            {
                await SaveAsync(c, tx, store.Clock, after, null, IncidentLogic.NextDue(after, card.Config!), card.At, claimEnds: true, ct);
            }
            else
            {
                await using var delete = Command(c, tx, "DELETE FROM incidents WHERE id = @id");
                delete.Parameters.Set("id", current.Id);
                await delete.ExecuteNonQueryAsync(ct);
            }
            return true;
        }, ct);
    }

    public Task<DateTimeOffset?> NextDueAsync(DateTimeOffset now, CancellationToken ct) =>
        store.ReadAsync(async c =>
        {
            // How far from now, so the answer is on the caller's clock whoever's clock the database keeps.
            await using var q = Command(c, null, $"SELECT MIN(GREATEST(next_due, COALESCE(claimed_until, next_due))) - {Now} FROM incidents");
            store.Clock.SetNow(q, now);
            return await q.ExecuteScalarAsync(ct) is TimeSpan away ? now + away : (DateTimeOffset?)null;
        }, ct);

    public Task<IReadOnlyList<OpenIncident>> GetOpenAsync(CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<OpenIncident>>(async c =>
        {
            // The latest event joined in, or nulls when it is gone.
            await using var q = Command(c, null, $"""
                SELECT i.state, {IncidentEventColumns}
                FROM incidents i LEFT JOIN events e ON e.seq = i.last_event_seq ORDER BY i.rule, i.id
                """);
            return await ReadAllAsync(q, static r => new OpenIncident(State(r), r.IsDBNull(1) ? null : ReadEvent(r, offset: 1)), ct);
        }, ct);

    /// <summary>
    /// Takes the advisory locks of the groups <paramref name="joins"/> fold into, in one order (so two commits never wait
    /// on each other's), for the rest of the transaction: folds of one group, on any instance, run one after another.
    /// </summary>
    internal static async Task LockGroupsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IEnumerable<IncidentJoin> joins, CancellationToken ct)
    {
        var slots = joins.Select(j => j.Slot).Distinct(StringComparer.Ordinal).ToArray();
        if (slots.Length == 0) return;
        await using var lockThem = Command(c, tx, """
            SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(s, 0) AS k FROM unnest(@slots) s ORDER BY k) keys
            """);
        lockThem.Parameters.Set("slots", slots);
        await lockThem.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Counts one event into its group's open incident (or opens one: <see cref="IncidentLogic.Fold"/>), in the
    /// transaction that commits the event's rule, after <see cref="LockGroupsAsync"/>.
    /// </summary>
    /// <returns>The incident after the event.</returns>
    internal static async Task<IncidentState> FoldAsync(NpgsqlConnection c, NpgsqlTransaction tx, PostgresClock clock, IncidentJoin join, DateTimeOffset now, CancellationToken ct)
    {
        IncidentState? open;
        await using (var find = Command(c, tx, "SELECT state FROM incidents WHERE slot = @slot FOR UPDATE"))
        {
            find.Parameters.Set("slot", join.Slot);
            open = (await ReadAllAsync(find, State, ct)).FirstOrDefault();
        }
        var folded = IncidentLogic.Fold(open, join);
        if (folded.Superseded)
        {
            // Out of the group's key, so the new incident takes it; its closing card is due now.
            await using var leave = Command(c, tx, $"UPDATE incidents SET slot = NULL, next_due = {Now} WHERE id = @id");
            clock.SetNow(leave, now);
            leave.Parameters.Set("id", open!.Id);
            await leave.ExecuteNonQueryAsync(ct);
        }
        await SaveAsync(c, tx, clock, folded.State, join.Slot, IncidentLogic.NextDue(folded.State, join.Config), now, claimEnds: false, ct);
        return folded.State;
    }

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

    /// <param name="slot">The group's key while the incident is open; null keeps the row's (a card does not move it).</param>
    /// <param name="claimEnds">A card was committed: its claim is over.</param>
    private static async Task SaveAsync(NpgsqlConnection c, NpgsqlTransaction tx, PostgresClock clock, IncidentState state, string? slot, DateTimeOffset nextDue,
        DateTimeOffset now, bool claimEnds, CancellationToken ct)
    {
        await using var save = Command(c, tx, $"""
            INSERT INTO incidents (id, rule, version, last_event_seq, state, slot, next_due) VALUES (@id, @rule, @v, @seq, @state, @slot, {Now} + @due)
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, last_event_seq = EXCLUDED.last_event_seq, state = EXCLUDED.state,
                slot = COALESCE(EXCLUDED.slot, incidents.slot), next_due = EXCLUDED.next_due,
                claimed_until = CASE WHEN @ends THEN NULL ELSE incidents.claimed_until END
            """);
        clock.SetNow(save, now);
        PostgresClock.SetOffset(save, "due", nextDue, now);
        save.Parameters.Set("id", state.Id);
        save.Parameters.Set("rule", state.Rule);
        save.Parameters.Set("v", state.Version);
        save.Parameters.Set("seq", state.LastEventSeq);
        save.Parameters.Set("state", JsonSerializer.Serialize(state, StoreJson.Default.IncidentState));
        save.Parameters.Set("slot", NpgsqlDbType.Text, slot);
        save.Parameters.Set("ends", claimEnds);
        await save.ExecuteNonQueryAsync(ct);
    }

    private static IncidentState State(NpgsqlDataReader r) => JsonSerializer.Deserialize(r.GetString(0), StoreJson.Default.IncidentState)!;
}
