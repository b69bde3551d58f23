using Npgsql;

namespace Bridge.Tests.Cluster;

/// <summary>
/// The <c>destinations</c> table as the PostgreSQL store's schema defines it (issue 13: one row per destination, changed
/// by compare-and-set on <c>version</c>), for the destination-state tests that run before that store opens a database.
/// </summary>
internal static class PostgresTestSchema
{
    public static async Task CreateDestinationsAsync(NpgsqlDataSource data)
    {
        await using var command = data.CreateCommand("""
            CREATE TABLE destinations (
              destination text PRIMARY KEY,
              state text NOT NULL DEFAULT 'healthy',
              reason text,
              probe_owner text,
              probe_until timestamptz,
              hold_until timestamptz,
              tokens double precision,
              tokens_at timestamptz,
              version bigint NOT NULL DEFAULT 0)
            """);
        await command.ExecuteNonQueryAsync();
    }
}
