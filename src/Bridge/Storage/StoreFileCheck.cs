using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Bridge.Storage;

/// <summary>What the start-up check found: shown by <c>/healthz</c>.</summary>
/// <param name="Summary">One line, e.g. "ok (quick_check passed at start-up in 4 ms)"; never the file's path.</param>
/// <param name="Checked">False when the check ran out of time: the store is used unchecked.</param>
public sealed record StoreFileState(string Summary, bool Checked = true);

/// <summary>
/// Checks the store's file before the bridge opens it: that its folder can be written (a read-only volume is named as
/// such, not mistaken for another bridge holding the lock), and SQLite's <c>quick_check</c> within a time bound. A
/// damaged store refuses the start with how to recover: accepting events into it could lose them.
/// </summary>
public static class StoreFileCheck
{
    /// <summary>Long enough for a store of a few GB; a larger one starts unchecked (and says so) rather than slowly.</summary>
    public static readonly TimeSpan QuickCheckBound = TimeSpan.FromSeconds(10);

    /// <summary>SQLite's result codes for a damaged file (SQLITE_CORRUPT) and for a file that is no database (SQLITE_NOTADB).</summary>
    private const int Corrupt = 11, NotADatabase = 26, Interrupted = 9;

    /// <exception cref="StoreUnavailableException">The folder is not writable, or the file is damaged.</exception>
    public static StoreFileState Verify(string path, TimeSpan bound)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == Configuration.StorageConfig.InMemoryPath) return new StoreFileState("ok (in memory)");
        EnsureWritable(path);
        if (!File.Exists(path)) return new StoreFileState("ok (new)");
        return QuickCheck(path, bound);
    }

    private static void EnsureWritable(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            Directory.CreateDirectory(folder);
            // A file made and removed at once: the only sure test of a folder's writability (permissions, read-only mounts, quotas).
            using var probe = new FileStream(Path.Combine(folder, $".bridge-write-check-{Environment.ProcessId}"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreUnavailableException(
                $"cannot write in {folder}, where the store {path} is kept ({e.Message}); the bridge keeps every accepted event there: give it a writable folder (a read-only volume or file system cannot hold it)", e);
        }
    }

    private static StoreFileState QuickCheck(string path, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            connection.Open();
            // Called every 1000 virtual-machine steps; a non-zero answer interrupts the statement.
            SQLitePCL.raw.sqlite3_progress_handler(connection.Handle, 1000, _ => clock.Elapsed > bound ? 1 : 0, null);
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check(5)";
            using var reader = command.ExecuteReader();
            var problems = new List<string>();
            while (reader.Read()) problems.Add(reader.GetString(0));
            if (problems is ["ok"]) return new StoreFileState($"ok (quick_check passed at start-up in {clock.ElapsedMilliseconds} ms)");
            throw Damaged(path, string.Join("; ", problems), null);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == Interrupted)
        {
            return new StoreFileState($"not checked: quick_check took longer than {bound.TotalSeconds:0} s and was stopped", Checked: false);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is Corrupt or NotADatabase)
        {
            throw Damaged(path, e.Message, e);
        }
    }

    private static StoreUnavailableException Damaged(string path, string finding, Exception? inner)
    {
        var message = $"the store {path} is damaged (SQLite's quick_check: {finding}), and the bridge will not take events into it. "
        + $"Restore a backup (one made with sqlite3 {path} \".backup copy.db\"), or salvage what it holds: "
        + $"sqlite3 {path} \".recover\" | sqlite3 recovered.db, then move recovered.db to {path} (and remove {path}-wal and {path}-shm)";
        return inner is null ? new StoreUnavailableException(message) : new StoreUnavailableException(message, inner);
    }
}
