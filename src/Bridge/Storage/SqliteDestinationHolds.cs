using Microsoft.Data.Sqlite;
using static Bridge.Storage.SqliteSql;

namespace Bridge.Storage;

/// <summary>
/// The holds of the embedded store's destinations (a <c>Retry-After</c>, ntfy's daily quota), kept in its file
/// (migration 12) so that a restart during a hold keeps holding: without it the first send after the restart would
/// meet the same 42908 again. Written only when a hold begins or changes; the rest of a destination's state stays in
/// memory (<see cref="LocalDestinationStates"/>), where the first answer after a restart tells it again.
/// </summary>
internal sealed class SqliteDestinationHolds(SqliteStore store)
{
    /// <summary>The holds still in force at <paramref name="now"/>, each as the state it was kept with.</summary>
    public Dictionary<string, DestinationState> Load(DateTimeOffset now) => store.ReadAsync((c, tx) =>
    {
        var holds = new Dictionary<string, DestinationState>(StringComparer.Ordinal);
        using var q = Command(c, tx, "SELECT destination, hold_until, reason, quota, version FROM destination_holds WHERE hold_until > $now");
        q.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        using var r = q.ExecuteReader();
        while (r.Read())
            holds[r.GetString(0)] = DestinationState.Healthy with
            {
                HoldUntil = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
                HoldReason = r.IsDBNull(2) ? null : r.GetString(2),
                QuotaHold = r.GetInt64(3) != 0,
                Version = r.GetInt64(4),
            };
        return holds;
    }).GetAwaiter().GetResult();

    /// <summary>Keeps <paramref name="state"/>'s hold, unless a later version of it was kept first.</summary>
    public Task KeepAsync(string destination, DestinationState state) => store.WriteAsync((c, tx) =>
    {
        using var upsert = Command(c, tx, """
            INSERT INTO destination_holds (destination, hold_until, reason, quota, version) VALUES ($d, $until, $reason, $quota, $version)
            ON CONFLICT (destination) DO UPDATE SET hold_until = excluded.hold_until, reason = excluded.reason, quota = excluded.quota,
                version = excluded.version
            WHERE excluded.version > destination_holds.version
            """);
        upsert.Parameters.AddWithValue("$d", destination);
        upsert.Parameters.AddWithValue("$until", state.HoldUntil.ToUnixTimeMilliseconds());
        upsert.Parameters.AddWithValue("$reason", (object?)state.HoldReason ?? DBNull.Value);
        upsert.Parameters.AddWithValue("$quota", state.QuotaHold ? 1 : 0);
        upsert.Parameters.AddWithValue("$version", state.Version);
        return upsert.ExecuteNonQuery();
    });
}
