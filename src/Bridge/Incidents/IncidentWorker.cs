using Bridge.Configuration;
using Bridge.Pipeline;
using Bridge.Storage;

namespace Bridge.Incidents;

/// <summary>
/// Makes the incident cards the clock makes due: a first card once <c>group.wait</c> has passed, an update once
/// <c>group.interval</c> has passed since the last card and events joined meanwhile, and the closing card once the group
/// was quiet for <c>group.window</c>. Each card runs the rule's mapping through the same <see cref="EventMapper"/> as an
/// event's, on the incident's latest event with <c>ctx.group</c> telling the whole incident. Timers run on the injected clock.
/// </summary>
public sealed class IncidentWorker(IncidentBook book, EventMapper mapper, IIncidents store, LiveRuntime live, Signal deliveries, TimeProvider time,
    ILogger<IncidentWorker> log) : BackgroundService
{
    /// <summary>The longest wait between tries to commit a card while the store refuses.</summary>
    private static readonly TimeSpan MaxCommitRetry = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var due in book.TakeDue(time.GetUtcNow())) await SendAsync(due, stoppingToken);
                if (book.NextDue() is not { } next)
                {
                    log.LogDebug("Incidents idle: none open");
                    await book.Changed.WaitAsync(stoppingToken);
                    continue;
                }
                if (next <= time.GetUtcNow()) continue;
                var wait = book.Changed.WaitAsync(next, time, stoppingToken);
                // After the timer is set, so whoever moves a fake clock on this line cannot move it before the timer exists.
                log.LogDebug("Incidents idle until {WakeAt}", next);
                await wait;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: a card due now is made at the next start, from the incidents the store kept.
        }
    }

    private async Task SendAsync(DueCard due, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var state = due.View.State;
        var messages = mapper.MapCard(live.Current, due, now, out _);
        if (messages is null) return;
        var wait = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await store.CommitCardAsync(new IncidentCard(state.LastEventSeq, messages, now), ct);
                break;
            }
            catch (StoreUnavailableException e)
            {
                log.LogError("Cannot commit the {Phase} card of incident {Incident}: {Reason}; trying again in {Wait}", due.View.Phase, state.Id, e.Message, wait);
                await Task.Delay(wait, time, ct);
                wait = wait * 2 < MaxCommitRetry ? wait * 2 : MaxCommitRetry;
            }
        }
        log.LogInformation("Incident {Incident} of rule {Rule}: {Phase} card {Card} made ({Count} events since {OpenedAt})",
            state.Id, state.Rule, due.View.Phase, state.Cards, state.Count, state.OpenedAt);
        deliveries.Set();
    }
}
