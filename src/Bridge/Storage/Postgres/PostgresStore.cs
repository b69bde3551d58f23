using System.Net.Sockets;
using Npgsql;

namespace Bridge.Storage.Postgres;

/// <summary>
/// The shared engine: one PostgreSQL database that several bridge instances use at once. Each write is one transaction
/// on a pooled connection; PostgreSQL's own group commit folds concurrent ones into one WAL flush, so no writer loop is
/// needed. Claims are leases persisted in the rows (<see cref="PostgresOutbox"/>), so an instance that dies frees its work
/// after the lease, with no leader and no reaper.
/// </summary>
public sealed class PostgresStore : IStoreHealth, IAsyncDisposable
{
    /// <summary>The <c>LISTEN/NOTIFY</c> channel on which a commit of due messages wakes idle delivery workers.</summary>
    public const string Channel = "bridge_outbox";

    private readonly NpgsqlDataSource _data;
    private volatile string? _lastFailure;

    private PostgresStore(NpgsqlDataSource data, PostgresClock clock, bool notify)
    {
        _data = data;
        Clock = clock;
        Notify = notify;
    }

    internal PostgresClock Clock { get; }

    /// <summary>How long an event read for mapping is this instance's (<c>storage.lease</c>).</summary>
    internal TimeSpan Lease { get; private init; }

    /// <summary>Whether commits of due messages <c>pg_notify</c> the <see cref="Channel"/> (off behind PgBouncer's transaction pooling).</summary>
    public bool Notify { get; }

    public string? LastCommitFailure => _lastFailure;

    /// <summary>Connects, migrates the schema (once, however many instances start together) and returns the store's parts.</summary>
    /// <param name="hostClock">Null: the database's clock (production). A clock: the store keeps time by it (tests).</param>
    /// <exception cref="StoreUnavailableException">The database cannot be reached, or is from a newer bridge.</exception>
    /// <param name="lease">How long a read event is this instance's to map before another instance's processor may take it (<c>storage.lease</c>).</param>
    public static BridgeStore Open(string connectionString, TimeProvider? hostClock, bool notify, ILogger<PostgresStore> log, TimeSpan? lease = null)
    {
        var builder = new NpgsqlSlimDataSourceBuilder(connectionString);
        // The slim builder (Native AOT) starts without these: arrays (rule lists, batched settlements) and TLS to the server.
        builder.EnableArrays();
        builder.EnableTransportSecurity();
        var data = builder.Build();
        try
        {
            var before = PostgresMigrations.ApplyAsync(data, CancellationToken.None).GetAwaiter().GetResult();
            if (before < PostgresMigrations.Latest)
                log.LogInformation("Store database {Database}: schema {From} → {To}", builder.ConnectionStringBuilder.Database, before, PostgresMigrations.Latest);
        }
        catch (Exception e) when (IsUnavailability(e))
        {
            data.Dispose();
            throw new StoreUnavailableException($"cannot open the store database: {e.Message}", e);
        }
        catch
        {
            data.Dispose();
            throw;
        }
        var store = new PostgresStore(data, new PostgresClock(hostClock), notify) { Lease = lease ?? Configuration.StorageConfig.DefaultLease };
        return new BridgeStore(new PostgresEventLog(store), new PostgresOutbox(store), new PostgresAdminStore(store), new PostgresRetention(store), store, store)
        {
            GroupWaits = new PostgresGroupWaits(store),
            DestinationStates = new PostgresDestinationStates(data, hostClock),
            Incidents = new PostgresIncidents(store),
            MuteTokens = new PostgresMuteTokens(store),
            Throttles = new PostgresThrottles(store),
        };
    }

    public ValueTask DisposeAsync() => _data.DisposeAsync();

    /// <summary>A connection of its own for <c>LISTEN</c> (<see cref="PostgresNotifier"/>).</summary>
    internal ValueTask<NpgsqlConnection> OpenListenerAsync(CancellationToken ct) => _data.OpenConnectionAsync(ct);

    /// <summary>Runs <paramref name="work"/> in one transaction and commits it.</summary>
    /// <exception cref="StoreUnavailableException">The database could not be reached or refused the commit; nothing was kept.</exception>
    internal async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken ct)
    {
        try
        {
            await using var connection = await _data.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var result = await work(connection, tx);
            await tx.CommitAsync(ct);
            _lastFailure = null;
            return result;
        }
        catch (Exception e) when (IsUnavailability(e))
        {
            throw Failed(e);
        }
    }

    /// <summary>Runs <paramref name="read"/> on a pooled connection, outside any transaction.</summary>
    internal async Task<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> read, CancellationToken ct)
    {
        try
        {
            await using var connection = await _data.OpenConnectionAsync(ct);
            return await read(connection);
        }
        catch (Exception e) when (IsUnavailability(e))
        {
            throw Failed(e);
        }
    }

    /// <summary>Appends the wake-up for idle delivery workers to a transaction that made messages due (sent at its commit).</summary>
    internal async Task NotifyDueAsync(NpgsqlConnection c, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (!Notify) return;
        // An empty payload: the workers look at the store themselves; PostgreSQL folds equal notifications of one transaction.
        await using var notify = new NpgsqlCommand($"SELECT pg_notify('{Channel}', '')", c, tx);
        await notify.ExecuteNonQueryAsync(ct);
    }

    private StoreUnavailableException Failed(Exception e)
    {
        var failure = e is StoreUnavailableException s ? s : new StoreUnavailableException($"PostgreSQL: {e.Message}", e);
        _lastFailure = failure.Message;
        return failure;
    }

    /// <summary>
    /// What says the database is not there or not taking writes: a connection error, a timeout, or a server error of the
    /// classes for resources, shutdown and connections (08, 53, 57P), or a deadlock's victim (40P01: rolled back, so trying again is safe;
    /// an incident's card and a commit folding into it can meet so, rarely). A constraint or syntax error is a bug and is thrown as it is.
    /// </summary>
    internal static bool IsUnavailability(Exception e) => e switch
    {
        StoreUnavailableException => true,
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("53", StringComparison.Ordinal)
            || p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction
            || p.SqlState == PostgresErrorCodes.QueryCanceled || p.SqlState == PostgresErrorCodes.DeadlockDetected,
        NpgsqlException => true,
        SocketException or TimeoutException or IOException => true,
        _ => false,
    };
}
