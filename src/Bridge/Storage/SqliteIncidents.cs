using System.Text.Json;
using Microsoft.Data.Sqlite;
using static Bridge.Storage.SqliteSql;

namespace Bridge.Storage;

/// <summary>Incidents on SQLite: the <c>incidents</c> table (migration 8); their cards are rows of <c>messages</c> under the latest event.</summary>
internal sealed class SqliteIncidents(SqliteStore store) : IIncidents
{
    public Task CommitCardAsync(IncidentCard card, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(card);
        return store.WriteAsync((c, tx) =>
        {
            var insert = new SqliteEventLog.MessageInsert(c, tx, card.At.ToUnixTimeMilliseconds());
            foreach (var m in card.Messages) insert.Run(card.State.LastEventSeq, m);
            if (card.Closed)
            {
                using var delete = Command(c, tx, "DELETE FROM incidents WHERE id = $id");
                delete.Parameters.AddWithValue("$id", card.State.Id);
                delete.ExecuteNonQuery();
            }
            else Save(c, tx, card.State);
            return true;
        });
    }

    public Task<IReadOnlyList<OpenIncident>> GetOpenAsync(CancellationToken ct) =>
        store.ReadAsync<IReadOnlyList<OpenIncident>>((c, tx) =>
        {
            using var q = Command(c, tx, "SELECT state, last_event_seq FROM incidents ORDER BY rule, id");
            var rows = ReadAll(q, static r => (State: JsonSerializer.Deserialize(r.GetString(0), StoreJson.Default.IncidentState)!, Seq: r.GetInt64(1)));
            using var find = Command(c, tx, $"SELECT {EventColumns} FROM events_full WHERE seq = $s");
            var seq = find.Parameters.Add("$s", SqliteType.Integer);
            var open = new List<OpenIncident>(rows.Count);
            foreach (var (state, last) in rows)
            {
                seq.Value = last;
                open.Add(new OpenIncident(state, ReadAll(find, ReadEvent).FirstOrDefault()));
            }
            return open;
        });

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

    /// <summary>Saves an incident's state unless the store holds a newer version of it; in the writer's transaction.</summary>
    internal static void Save(SqliteConnection c, SqliteTransaction tx, Incidents.IncidentState state)
    {
        var save = Prepared(c, tx, """
            INSERT INTO incidents (id, rule, version, last_event_seq, state) VALUES ($id, $rule, $v, $seq, $state)
            ON CONFLICT (id) DO UPDATE SET version = excluded.version, last_event_seq = excluded.last_event_seq, state = excluded.state
                WHERE excluded.version > incidents.version
            """);
        save.Parameters.AddWithValue("$id", state.Id);
        save.Parameters.AddWithValue("$rule", state.Rule);
        save.Parameters.AddWithValue("$v", state.Version);
        save.Parameters.AddWithValue("$seq", state.LastEventSeq);
        save.Parameters.AddWithValue("$state", JsonSerializer.Serialize(state, StoreJson.Default.IncidentState));
        save.ExecuteNonQuery();
    }
}
