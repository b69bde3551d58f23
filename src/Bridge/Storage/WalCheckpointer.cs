using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Bridge.Storage;

/// <summary>
/// Copies the write-ahead log back into the database file on a connection and thread of its own. SQLite would do it
/// inside the commit that pushes the log past 1,000 pages, on the writer's thread, so every request waiting for that
/// commit would wait for the copy and its fsync too. The writer connection runs with <c>wal_autocheckpoint = 0</c> and
/// reports the pages each commit wrote (<see cref="Written"/>); past <see cref="ThresholdPages"/> this runs a PASSIVE
/// checkpoint, which never blocks the writer or a reader. Durability does not depend on it: a commit is durable once
/// its log frames are fsynced, and a crash mid-checkpoint is recovered from the log.
/// </summary>
internal sealed class WalCheckpointer : IAsyncDisposable
{
    /// <summary>SQLite's own default for automatic checkpoints: about 4 MB of log.</summary>
    public const int DefaultThresholdPages = 1000;

    private readonly SqliteConnection _connection;
    private readonly ILogger _log;
    // One pending wake-up at most: thresholds passed while a checkpoint runs are covered by the next.
    private readonly Channel<bool> _due = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _pages;
    private int _disposed;
    private long _checkpoints;

    public WalCheckpointer(string connectionString, ILogger log, int thresholdPages = DefaultThresholdPages)
    {
        ThresholdPages = thresholdPages;
        _log = log;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        SqliteSql.Execute(_connection, "PRAGMA synchronous = FULL");
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public int ThresholdPages { get; }

    /// <summary>Checkpoints run so far.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Told by the writer after each commit: how many pages it appended to the log.</summary>
    public void Written(int pages)
    {
        if (Interlocked.Add(ref _pages, pages) >= ThresholdPages) _due.Writer.TryWrite(true);
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                await _due.Reader.ReadAsync(_stop.Token);
                Interlocked.Exchange(ref _pages, 0);
                try
                {
                    SqliteSql.Execute(_connection, "PRAGMA wal_checkpoint(PASSIVE)");
                    Interlocked.Increment(ref _checkpoints);
                }
                catch (SqliteException e)
                {
                    // The log keeps every commit meanwhile; the next threshold tries again.
                    _log.LogWarning("Checkpointing the store's write-ahead log failed: {Reason}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping: the last connection to close checkpoints what is left.
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The store may be disposed twice (a test kit, then the host).
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        await _connection.DisposeAsync();
    }
}
