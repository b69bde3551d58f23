using Bridge.Tests.Support;
using Npgsql;

namespace Bridge.Tests.Storage;

/// <summary>The test PostgreSQL server itself: databases of their own per test, and a crash-restart that keeps commits.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTests(PostgresServer server)
{
    [Fact]
    public async Task EachTestsDatabaseIsItsOwn()
    {
        var first = await server.CreateDatabaseAsync();
        var second = await server.CreateDatabaseAsync();

        await ExecuteAsync(first, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)");

        Assert.NotEqual(first, second);
        Assert.Equal(1L, await ScalarAsync(first, "SELECT count(*) FROM t"));
        Assert.Equal(0L, await ScalarAsync(second, "SELECT count(*) FROM pg_tables WHERE tablename = 't'"));
    }

    [Fact]
    public async Task AKilledServerRefusesConnectionsAndKeepsEveryCommitWhenStartedAgainOnItsPort()
    {
        var database = await server.CreateDatabaseAsync();
        await ExecuteAsync(database, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)");
        var port = server.Port;

        await server.KillAsync();
        await Assert.ThrowsAsync<NpgsqlException>(() => ScalarAsync(database, "SELECT 1"));
        await server.StartAsync();

        Assert.Equal(port, server.Port);
        Assert.Equal(1L, await ScalarAsync(database, "SELECT count(*) FROM t"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
