using System.Text.Json;
using Microsoft.Data.Sqlite;
using Bridge.Incidents;
using static Bridge.Storage.SqliteSql;

namespace Bridge.Storage;

/// <summary>
/// Incidents on SQLite: the <c>incidents</c> table (migration 8; 11 adds the group's key while open, the next card's time
/// and the claim); their cards are rows of <c>messages</c> under the latest event. Folds and cards run in the single
/// writer's transaction, so they never interleave; the claim is the same as PostgreSQL's, so both engines share one path.
/// </summary>
internal sealed class SqliteIncidents(SqliteStore store) : IIncidents
{
    public Task<IReadOnlyList<ClaimedIncident>> ClaimDueAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct) =>
        store.WriteAsync<IReadOnlyList<ClaimedIncident>>((c, tx) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            using var claim = Command(c, tx, """
                UPDATE incidents SET claimed_until = $until, claim = claim + 1
                WHERE id IN (SELECT id FROM incidents WHERE next_due <= $now AND (claimed_until IS NULL OR claimed_until <= $now) ORDER BY next_due LIMIT $n)
                RETURNING id
                """);
            claim.Parameters.AddWithValue("$now", at);
            claim.Parameters.AddWithValue("$until", (now + lease).ToUnixTimeMilliseconds());
            claim.Parameters.AddWithValue("$n", limit);
            var ids = ReadAll(claim, static r => r.GetString(0));
            var claimed = new List<ClaimedIncident>(ids.Count);
            foreach (var row in Rows(c, tx, "WHERE id = $id", ids))
                claimed.Add(new ClaimedIncident(row.State, row.Superseded, row.LastEvent, row.Claim));
            return claimed;
        });

    public Task<bool> CommitCardAsync(IncidentCard card, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(card);
        return store.WriteAsync((c, tx) =>
        {
            using var find = Command(c, tx, "SELECT state FROM incidents WHERE id = $id AND claim = $claim AND claimed_until IS NOT NULL");
            find.Parameters.AddWithValue("$id", card.MadeFrom.Id);
            find.Parameters.AddWithValue("$claim", card.Claim);
            if (ReadAll(find, static r => Deserialize(r.GetString(0))).FirstOrDefault() is not { } current) return false;
            var insert = new SqliteEventLog.MessageInsert(c, tx, card.At.ToUnixTimeMilliseconds());
            foreach (var m in card.Messages) insert.Run(card.MadeFrom.LastEventSeq, m);
            if (card.After(current) is { } after) Save(c, tx, after, null, IncidentLogic.NextDue(after, card.Config!), claimEnds: true);
            else
            {
                using var delete = Command(c, tx, "DELETE FROM incidents WHERE id = $id");
                delete.Parameters.AddWithValue("$id", current.Id);
                delete.ExecuteNonQuery();
            }
            return true;
        });
    }

    public Task<DateTimeOffset?> NextDueAsync(DateTimeOffset now, CancellationToken ct) =>
        store.ReadAsync((c, tx) => Scalar(c, tx, "SELECT MIN(MAX(next_due, COALESCE(claimed_until, 0))) FROM incidents") is long ms ? FromMs(ms) : (DateTimeOffset?)null);

    public Task<IReadOnlyList<OpenIncident>> GetOpenAsync(CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<OpenIncident>>((c, tx) =>
            [.. Rows(c, tx, "ORDER BY rule, id", [null]).Select(static row => new OpenIncident(row.State, row.LastEvent))]);

    private readonly record struct Row(IncidentState State, bool Superseded, long Claim, StoredEvent? LastEvent);

    /// <summary>The incidents <paramref name="where"/> picks (once per id in <paramref name="ids"/>, as <c>$id</c>), each with its latest event (null when it is gone).</summary>
    private static List<Row> Rows(SqliteConnection c, SqliteTransaction? tx, string where, IReadOnlyList<string?> ids)
    {
        using var q = Command(c, tx, $"SELECT state, slot IS NULL, claim, last_event_seq FROM incidents {where}");
        var id = q.Parameters.Add("$id", SqliteType.Text);
        using var find = Command(c, tx, $"SELECT {EventColumns} FROM events_full WHERE seq = $s");
        var seq = find.Parameters.Add("$s", SqliteType.Integer);
        var rows = new List<Row>();
        foreach (var one in ids)
        {
            id.Value = (object?)one ?? DBNull.Value;
            foreach (var (state, superseded, claim, last) in ReadAll(q, static r => (State(r), r.GetBoolean(1), r.GetInt64(2), r.GetInt64(3))))
            {
                seq.Value = last;
                rows.Add(new Row(state, superseded, claim, ReadAll(find, ReadEvent).FirstOrDefault()));
            }
        }
        return rows;
    }

    /// <summary>
    /// Counts one event into its group's open incident (or opens one: <see cref="IncidentLogic.Fold"/>), in the writer's
    /// transaction that commits the event's rule.
    /// </summary>
    /// <returns>The incident after the event.</returns>
    internal static IncidentState Fold(SqliteConnection c, SqliteTransaction tx, IncidentJoin join)
    {
        var find = Prepared(c, tx, "SELECT state FROM incidents WHERE slot = $slot");
        find.Parameters.AddWithValue("$slot", join.Slot);
        var open = ReadAll(find, static r => Deserialize(r.GetString(0))).FirstOrDefault();
        var folded = IncidentLogic.Fold(open, join);
        if (folded.Superseded)
        {
            // Out of the group's key, so the new incident takes it; its closing card is due now.
            var leave = Prepared(c, tx, "UPDATE incidents SET slot = NULL, next_due = $at WHERE id = $id");
            leave.Parameters.AddWithValue("$at", join.At.ToUnixTimeMilliseconds());
            leave.Parameters.AddWithValue("$id", open!.Id);
            leave.ExecuteNonQuery();
        }
        Save(c, tx, folded.State, join.Slot, IncidentLogic.NextDue(folded.State, join.Config), claimEnds: false);
        return folded.State;
    }

    public Task<bool> AddSilenceAsync(Silences.Silence silence, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(silence);
        return store.WriteAsync((c, tx) => AddSilence(c, tx, silence));
    }

    /// <summary>Keeps a new silence unless one has its id; in the writer's transaction. True when written.</summary>
    internal static bool AddSilence(SqliteConnection c, SqliteTransaction tx, Silences.Silence silence)
    {
        using var add = Command(c, tx, """
            INSERT INTO silences (id, match, comment, created_by, created_at, ends_at, ended_at) VALUES ($id, $match, $comment, $by, $at, $ends, NULL)
            ON CONFLICT (id) DO NOTHING
            """);
        add.Parameters.AddWithValue("$id", silence.Id);
        add.Parameters.AddWithValue("$match", JsonSerializer.Serialize(silence.Match, StoreJson.Default.SilenceMatch));
        add.Parameters.AddWithValue("$comment", silence.Comment);
        add.Parameters.AddWithValue("$by", silence.CreatedBy);
        add.Parameters.AddWithValue("$at", silence.CreatedAt.ToUnixTimeMilliseconds());
        add.Parameters.AddWithValue("$ends", silence.EndsAt.ToUnixTimeMilliseconds());
        return add.ExecuteNonQuery() == 1;
    }

    public Task EndSilenceAsync(string id, DateTimeOffset at, CancellationToken ct) =>
        store.WriteAsync((c, tx) =>
        {
            using var end = Command(c, tx, "UPDATE silences SET ended_at = $at WHERE id = $id AND ended_at IS NULL");
            end.Parameters.AddWithValue("$id", id);
            end.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            return end.ExecuteNonQuery();
        });

    public Task<Silences.Silence?> GetSilenceAsync(string id, CancellationToken ct) =>
        store.ReadAsync((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT {SilenceColumns} FROM silences WHERE id = $id");
            q.Parameters.AddWithValue("$id", id);
            return ReadAll(q, ReadSilence).FirstOrDefault();
        });

    public Task<IReadOnlyList<Silences.Silence>> GetSilencesAsync(DateTimeOffset now, CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<Silences.Silence>>((c, tx) =>
        {
            using var q = Command(c, tx, $"SELECT {SilenceColumns} FROM silences WHERE ended_at IS NULL AND ends_at > $now ORDER BY ends_at");
            q.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return ReadAll(q, ReadSilence);
        });

    private const string SilenceColumns = "id, match, comment, created_by, created_at, ends_at, ended_at";

    private static Silences.Silence ReadSilence(SqliteDataReader r) => new(r.GetString(0), JsonSerializer.Deserialize(r.GetString(1), StoreJson.Default.SilenceMatch)!,
        r.GetString(2), r.GetString(3), FromMs(r.GetInt64(4)), FromMs(r.GetInt64(5)), r.IsDBNull(6) ? null : FromMs(r.GetInt64(6)));

    /// <param name="slot">The group's key while the incident is open; null keeps the row's (a card does not move it).</param>
    /// <param name="claimEnds">A card was committed: its claim is over.</param>
    private static void Save(SqliteConnection c, SqliteTransaction tx, IncidentState state, string? slot, DateTimeOffset nextDue, bool claimEnds)
    {
        var save = Prepared(c, tx, """
            INSERT INTO incidents (id, rule, version, last_event_seq, state, slot, next_due, claim) VALUES ($id, $rule, $v, $seq, $state, $slot, $due, 0)
            ON CONFLICT (id) DO UPDATE SET version = excluded.version, last_event_seq = excluded.last_event_seq, state = excluded.state,
                slot = COALESCE(excluded.slot, incidents.slot), next_due = excluded.next_due,
                claimed_until = CASE WHEN $ends THEN NULL ELSE incidents.claimed_until END
            """);
        save.Parameters.AddWithValue("$id", state.Id);
        save.Parameters.AddWithValue("$rule", state.Rule);
        save.Parameters.AddWithValue("$v", state.Version);
        save.Parameters.AddWithValue("$seq", state.LastEventSeq);
        save.Parameters.AddWithValue("$state", JsonSerializer.Serialize(state, StoreJson.Default.IncidentState));
        save.Parameters.AddWithValue("$slot", (object?)slot ?? DBNull.Value);
        save.Parameters.AddWithValue("$due", nextDue.ToUnixTimeMilliseconds());
        save.Parameters.AddWithValue("$ends", claimEnds);
        save.ExecuteNonQuery();
    }

    private static IncidentState State(SqliteDataReader r) => Deserialize(r.GetString(0));

    private static IncidentState Deserialize(string json) => JsonSerializer.Deserialize(json, StoreJson.Default.IncidentState)!;
}
