using Npgsql;

namespace Bridge.Storage.Postgres;

/// <summary>
/// Wakes this instance's idle delivery workers when any instance commits due messages: <c>LISTEN</c> on a connection of its
/// own, and every notification (empty; the workers look at the store themselves) calls <paramref name="wake"/>. Only a
/// hint: the workers still poll at their usual interval, so a lost connection delays a delivery, never loses it. It
/// reconnects after <see cref="Reconnect"/>. Not run with <c>storage.notify: false</c> (PgBouncer's transaction pooling
/// cannot hold a <c>LISTEN</c>).
/// </summary>
public sealed class PostgresNotifier(PostgresStore store, Action wake, TimeProvider time, ILogger<PostgresNotifier> log) : BackgroundService
{
    /// <summary>How long it waits before listening again after the connection broke.</summary>
    public static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(2);

    /// <summary>Set while a <c>LISTEN</c> is in place (the tests wait on it before they commit).</summary>
    public bool Listening { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (PostgresStore.IsUnavailability(e))
            {
                Listening = false;
                log.LogWarning("Not listening for new messages on PostgreSQL ({Reason}); polling meanwhile, listening again in {Delay}", e.Message, Reconnect);
                // Messages committed while nobody listened are found by the look that follows.
                wake();
                await Task.Delay(Reconnect, time, stoppingToken).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        await using var connection = await store.OpenListenerAsync(ct);
        connection.Notification += (_, _) => wake();
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgresStore.Channel}", connection))
            await listen.ExecuteNonQueryAsync(ct);
        Listening = true;
        log.LogDebug("Listening on PostgreSQL channel {Channel}", PostgresStore.Channel);
        while (true) await connection.WaitAsync(ct);
    }
}
