using Bridge.Configuration;

namespace Bridge.Storage;

/// <summary>
/// Purges what retention no longer keeps: delivered messages (with their attempts), events with nothing left to
/// deliver, and expired de-duplication keys. Dead messages stay until replayed or deleted: nothing dies silently.
/// </summary>
public sealed class StoreMaintenance(IStoreRetention store, LiveRuntime live, TimeProvider time, ILogger<StoreMaintenance> log) : BackgroundService
{
    /// <summary>How often the purge runs: often enough to keep the file small, rarely enough to cost nothing.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await PurgeOnceAsync(stoppingToken);
                await Task.Delay(Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    public async Task<PurgeResult?> PurgeOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        try
        {
            var purged = await store.PurgeAsync(now - live.Current.Config.Storage.Retention, now, ct);
            if (purged.Messages + purged.Events > 0)
                log.LogInformation("Purged {Messages} delivered messages and {Events} finished events older than the retention period", purged.Messages, purged.Events);
            return purged;
        }
        catch (StoreUnavailableException e)
        {
            log.LogWarning("The retention purge could not run: {Reason}; it runs again in {Interval}", e.Message, Interval);
            return null;
        }
    }
}
