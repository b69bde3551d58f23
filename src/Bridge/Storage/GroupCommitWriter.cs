using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Bridge.Storage;

/// <summary>
/// The store's one writer. Callers queue work and await it; a single loop drains whatever is queued into one
/// transaction and commits once, so concurrent requests share the cost of an fsync (group commit). Each piece of work
/// runs inside its own savepoint: one that fails is rolled back alone and only its caller hears of it. A commit that
/// fails fails every caller in the batch, and nothing of the batch is on disk.
/// </summary>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    /// <summary>Bounds one transaction, so a flood cannot make one commit (and its waiters) arbitrarily late.</summary>
    public const int MaxBatch = 256;

    private readonly SqliteConnection _connection;
    private readonly ILogger _log;
    private readonly Channel<WriteWork> _queue = Channel.CreateUnbounded<WriteWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public GroupCommitWriter(SqliteConnection connection, ILogger log)
    {
        _connection = connection;
        _log = log;
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Transactions committed so far, and the writes they held: their ratio shows how much batching happens.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public long Writes => Interlocked.Read(ref _writes);

    private long _commits;
    private long _writes;
    private volatile string? _lastFailure;

    /// <summary>Told, after each commit, how many pages it appended to the write-ahead log (the checkpointer); null tells no one.</summary>
    public Action<int>? PagesWritten { get; init; }

    /// <summary>Told how long each successful commit took (the metrics' store commit latency); null tells no one.</summary>
    public Action<TimeSpan>? CommitObserved { get; init; }

    /// <summary>Why the last writes failed (a commit, or every write of a batch); null once a write commits again.</summary>
    public string? LastFailure => _lastFailure;

    /// <summary>Runs <paramref name="work"/> in the next transaction; completes once that transaction is committed.</summary>
    /// <exception cref="StoreUnavailableException">The transaction could not be committed, or this work failed.</exception>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        var item = new WriteWork<T>(work);
        if (!_queue.Writer.TryWrite(item)) return Task.FromException<T>(new StoreUnavailableException("the store is closed"));
        return item.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteWork>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var work)) batch.Add(work);
            CommitBatch(batch);
        }
    }

    private void CommitBatch(List<WriteWork> batch)
    {
        var ran = 0;
        var succeeded = 0;
        string? failed = null;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            // Prepared once (SqliteTransaction.Save and Release parse their statement on every call: two parses per item).
            var save = SqliteSql.Prepared(_connection, tx, "SAVEPOINT w");
            var release = SqliteSql.Prepared(_connection, tx, "RELEASE w");
            foreach (var work in batch)
            {
                save.ExecuteNonQuery();
                try
                {
                    var changesBefore = SQLitePCL.raw.sqlite3_total_changes(_connection.Handle);
                    work.Run(_connection, tx);
                    release.ExecuteNonQuery();
                    // Only a write that changed rows shows the store can take data; an empty claim succeeds even on a full disk.
                    if (SQLitePCL.raw.sqlite3_total_changes(_connection.Handle) > changesBefore) succeeded++;
                }
                catch (Exception e)
                {
                    tx.Rollback("w");
                    release.ExecuteNonQuery();
                    var failure = Unavailable(e);
                    failed = failure.Message;
                    // Told once the batch is settled, so a caller that hears of it finds LastFailure already saying so.
                    work.Failure = failure;
                }
                ran++;
            }
            tx.Commit();
        }
        catch (Exception e)
        {
            _log.LogError(e, "The store could not commit {Count} writes; nothing of them was kept", batch.Count);
            var failure = Unavailable(e);
            _lastFailure = failure.Message;
            foreach (var work in batch) work.Failure = failure;
            foreach (var work in batch) work.Complete();
            return;
        }
        // A committed change shows the store works again; a batch whose writes failed (a full disk) shows it does not.
        if (succeeded > 0) _lastFailure = null;
        else if (failed is not null) _lastFailure = failed;
        CommitObserved?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        if (PagesWritten is { } pagesWritten)
        {
            SQLitePCL.raw.sqlite3_db_status(_connection.Handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_WRITE, out var pages, out _, 1);
            pagesWritten(pages);
        }
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _writes, ran);
        foreach (var work in batch) work.Complete();
    }

    private static StoreUnavailableException Unavailable(Exception e) => e switch
    {
        StoreUnavailableException s => s,
        SqliteException s => new StoreUnavailableException($"SQLite error {s.SqliteErrorCode} ({s.SqliteExtendedErrorCode}): {s.Message}", s),
        _ => new StoreUnavailableException($"{e.GetType().Name}: {e.Message}", e),
    };

    private abstract class WriteWork
    {
        /// <summary>Why this work failed; null while it has not.</summary>
        public Exception? Failure { get; set; }

        public abstract void Run(SqliteConnection connection, SqliteTransaction tx);

        /// <summary>Resolves the caller's task: with the result, or with <see cref="Failure"/>.</summary>
        public abstract void Complete();
    }

    private sealed class WriteWork<T>(Func<SqliteConnection, SqliteTransaction, T> work) : WriteWork
    {
        // Continuations run elsewhere, so a caller's code never runs on (and stalls) the writer loop.
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _done.Task;

        public override void Run(SqliteConnection connection, SqliteTransaction tx) => _result = work(connection, tx);

        public override void Complete()
        {
            if (Failure is { } failure) _done.TrySetException(failure);
            else _done.TrySetResult(_result);
        }
    }
}
