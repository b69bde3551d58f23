using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Bridge.Storage;

/// <summary>
/// The embedded engine: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a completed write survives a power
/// cut, not only a crash. Writes go through one <see cref="GroupCommitWriter"/>; reads use their own pooled connections,
/// which WAL lets run beside the writer. One process owns the file (a lock file beside it), which is what lets the
/// outbox keep its leases in memory.
/// </summary>
public sealed class SqliteStore : IStoreHealth, IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly FileStream? _ownership;
    private readonly GroupCommitWriter _writer;
    private readonly WalCheckpointer? _checkpointer;
    private readonly string _readConnectionString;

    private SqliteStore(string path, SqliteConnection connection, FileStream? ownership, string readConnectionString, ILogger log, Action<TimeSpan>? commitObserved)
    {
        Path = path;
        _connection = connection;
        _ownership = ownership;
        _readConnectionString = readConnectionString;
        IsInMemory = ownership is null;
        // A file's log is checkpointed beside the writer, never in a commit (in memory there is no log).
        _checkpointer = IsInMemory ? null : new WalCheckpointer(readConnectionString, log);
        _writer = new GroupCommitWriter(connection, log) { CommitObserved = commitObserved, PagesWritten = _checkpointer is null ? null : _checkpointer.Written };
    }

    public string Path { get; }

    internal bool IsInMemory { get; }

    /// <summary>The journal mode the writer connection runs in (<c>wal</c> for a file), read back from SQLite.</summary>
    public string JournalMode { get; private init; } = "";

    /// <summary>The writer connection's <c>synchronous</c> level as SQLite reports it (2 is FULL).</summary>
    public int Synchronous { get; private init; }

    /// <summary>Transactions committed, and the writes they carried (group commit folds many writes into one).</summary>
    public (long Commits, long Writes) CommitStats => (_writer.Commits, _writer.Writes);

    public string? LastCommitFailure => _writer.LastFailure;

    /// <summary>Write-ahead log checkpoints run beside the writer (0 in memory).</summary>
    internal long Checkpoints => _checkpointer?.Checkpoints ?? 0;

    /// <summary>Opens (creating or migrating) the store at <paramref name="path"/> and returns its parts.</summary>
    /// <exception cref="StoreUnavailableException">The file cannot be opened, is another process's, or is from a newer bridge.</exception>
    /// <param name="commitObserved">Told how long each commit took (the metrics).</param>
    public static BridgeStore Open(string path, TimeProvider time, ILogger<SqliteStore> log, Action<TimeSpan>? commitObserved = null)
    {
        var store = OpenEngine(path, time, log, commitObserved);
        var leases = new SqliteLeases();
        return new BridgeStore(new SqliteEventLog(store), new SqliteOutbox(store, leases), new SqliteAdminStore(store), new SqliteRetention(store), store, store)
        {
            GroupWaits = new SqliteGroupWaits(store),
            DestinationStates = new LocalDestinationStates(new SqliteDestinationHolds(store), time.GetUtcNow()),
            Incidents = new SqliteIncidents(store),
            MuteTokens = new SqliteMuteTokens(store),
            Throttles = new SqliteThrottles(store),
        };
    }

    private static SqliteStore OpenEngine(string path, TimeProvider time, ILogger log, Action<TimeSpan>? commitObserved)
    {
        var inMemory = path == Configuration.StorageConfig.InMemoryPath;
        var builder = new SqliteConnectionStringBuilder
        {
            Mode = inMemory ? SqliteOpenMode.Memory : SqliteOpenMode.ReadWriteCreate,
            Cache = inMemory ? SqliteCacheMode.Shared : SqliteCacheMode.Private,
            DataSource = inMemory ? "bridge-" + Guid.NewGuid().ToString("N") : path,
            Pooling = true,
            // How long a write waits for a lock held by another process before the store reports itself unavailable.
            DefaultTimeout = 5,
        };
        FileStream? ownership = null;
        if (!inMemory)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            ownership = TakeOwnership(path);
        }
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            var journal = SqliteSql.Scalar(connection, null, "PRAGMA journal_mode = WAL")?.ToString() ?? "";
            // Checkpoints run on a connection of their own (WalCheckpointer), not inside the commits everyone waits for.
            // temp_store = MEMORY keeps the writer's statement journals in memory: each work item runs in a savepoint, which
            // copies every page it changes again into such a journal, and on the default (a file in /var/tmp) that was about
            // 45 KB written to disk per event, more than the store and its log together. The journal never needs to survive
            // a crash: a savepoint only rolls back within its open transaction.
            SqliteSql.Execute(connection, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;" + (inMemory ? "" : " PRAGMA wal_autocheckpoint = 0;"));
            var synchronous = Convert.ToInt32(SqliteSql.Scalar(connection, null, "PRAGMA synchronous"), CultureInfo.InvariantCulture);
            var before = SqliteMigrations.Apply(connection, time);
            if (before < SqliteMigrations.Latest)
                log.LogInformation("Store {Path}: schema {From} → {To}", path, before, SqliteMigrations.Latest);
            // The file is this process's alone: an incident card claimed by a process that died is this one's to make now,
            // not after the claim (storage.lease) lapses.
            SqliteSql.Execute(connection, "UPDATE incidents SET claimed_until = NULL WHERE claimed_until IS NOT NULL");
            return new SqliteStore(path, connection, ownership, builder.ToString(), log, commitObserved) { JournalMode = journal, Synchronous = synchronous };
        }
        catch (Exception e)
        {
            // Out of the pool too: a pooled connection would keep the broken file open for the next try.
            SqliteConnection.ClearPool(connection);
            connection.Dispose();
            ownership?.Dispose();
            if (e is SqliteException sqlite)
                throw new StoreUnavailableException($"cannot open the store at {path}: {sqlite.Message}", sqlite);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        if (_checkpointer is not null) await _checkpointer.DisposeAsync();
        _connection.Dispose();
        if (!IsInMemory) SqliteConnection.ClearPool(new SqliteConnection(_readConnectionString));
        if (_ownership is not null) await _ownership.DisposeAsync();
    }

    /// <summary>
    /// One bridge per store: a second process on the same file would deliver every message twice. An exclusive lock on a
    /// file beside it (released by the OS when the process dies, however it dies) keeps the second one out.
    /// </summary>
    private static FileStream TakeOwnership(string path)
    {
        var lockPath = path + ".lock";
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new StoreUnavailableException($"another bridge process is using the store {path} (its lock file {lockPath} is held): {e.Message}", e);
        }
    }

    /// <summary>Runs <paramref name="work"/> in the writer's next transaction; completes once it is committed.</summary>
    internal Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work) => _writer.WriteAsync(work);

    /// <summary>
    /// Reads on a pooled connection of their own, which WAL lets run beside the writer. An in-memory store has one
    /// shared-cache database whose table locks would clash with the writer's, so its reads queue behind the writes.
    /// </summary>
    internal async Task<T> ReadAsync<T>(Func<SqliteConnection, SqliteTransaction?, T> read)
    {
        if (IsInMemory) return await _writer.WriteAsync((c, tx) => read(c, tx));
        await using var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        return read(connection, null);
    }
}
