using Microsoft.Data.Sqlite;

namespace Bridge.Tests.Support;

/// <summary>Looks into a store file from outside the bridge, as another process would: what is on disk is what counts.</summary>
public static class SqliteFile
{
    public static long Count(string path, string table, string where = "1 = 1") =>
        (long)Scalar(path, $"SELECT COUNT(*) FROM {table} WHERE {where}")!;

    public static object? Scalar(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public static void Execute(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A store file as a bridge of schema <paramref name="version"/> left it, with <paramref name="rows"/> written into it.</summary>
    public static void AtVersion(string path, int version, string rows)
    {
        var recorded = string.Join(", ", Enumerable.Range(1, version).Select(v => $"({v}, 0)"));
        Execute(path, "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL);"
            + string.Concat(Bridge.Storage.SqliteMigrations.Steps.Take(version)) + $"INSERT INTO schema_version VALUES {recorded};" + rows);
    }

    private static SqliteConnection Open(string path)
    {
        // No pooling: the test's connection must not keep the file open after the test.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
