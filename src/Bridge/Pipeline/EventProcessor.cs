using Bridge.Storage;

namespace Bridge.Pipeline;

/// <summary>
/// Runs the matched rules' mappings for each committed event, after its 202 went out, and commits the messages they
/// make (or, for a mapping that fails, a dead message saying why). One event at a time, so messages are made in the
/// order events arrived; a slow mapping is bounded by the sandbox timeout.
/// </summary>
public sealed class EventProcessor(IEventQueue events, IEventLog store, Signal deliveries, EventMapper mapper, TimeProvider time, ILogger<EventProcessor> log)
    : BackgroundService
{
    /// <summary>The longest wait between tries to commit an event's messages while the store refuses.</summary>
    private static readonly TimeSpan MaxCommitRetry = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var pending in events.ReadAllAsync(stoppingToken))
            {
                // Mapping runs are synchronous CPU work; this loop is its own thread of work, never a request's.
                var mapped = Process(pending);
                await CommitAsync(pending, mapped, stoppingToken);
                var messages = mapped.SelectMany(m => m.Messages).ToList();
                // After the commit, so whoever reads this (a person, a test) finds the messages in the store.
                log.LogDebug("Processed event {EventId}: {Queued} message(s) queued, {Dead} dead",
                    pending.EventId, messages.Count(m => m.Status == MessageStatus.Pending), messages.Count(m => m.Status == MessageStatus.Dead));
                deliveries.Set();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: events not processed stay committed and are processed at the next start.
        }
    }

    /// <summary>Retries until the store takes the messages: the event stays unprocessed meanwhile, so nothing is lost either way.</summary>
    private async Task CommitAsync(PendingEvent pending, List<MappedRule> mapped, CancellationToken ct)
    {
        var wait = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await store.CommitMappedAsync(mapped, time.GetUtcNow(), ct);
                return;
            }
            catch (StoreUnavailableException e)
            {
                log.LogError("Cannot commit the messages of event {EventId}: {Reason}; trying again in {Wait}", pending.EventId, e.Message, wait);
                await Task.Delay(wait, time, ct);
                wait = wait * 2 < MaxCommitRetry ? wait * 2 : MaxCommitRetry;
            }
        }
    }

    private List<MappedRule> Process(PendingEvent pending)
    {
        var now = time.GetUtcNow();
        var mapped = new List<MappedRule>(pending.RulesToRun.Count);
        foreach (var rule in pending.RulesToRun) mapped.Add(mapper.Map(pending, rule, now));
        return mapped;
    }
}
