using Bridge.Configuration;
using Bridge.Pipeline;
using Bridge.Storage;

namespace Bridge.Incidents;

/// <summary>
/// Makes the incident cards the clock makes due: a first card once <c>group.wait</c> has passed, an update once
/// <c>group.interval</c> has passed since the last card and events joined meanwhile, and the closing card once the group
/// was quiet for <c>group.window</c>. Each card runs the rule's mapping through the same <see cref="EventMapper"/> as an
/// event's, on the incident's latest event with <c>ctx.group</c> telling the whole incident. At start-up it takes back the
/// incidents the store kept, before the processor folds any event. Timers run on the injected clock.
/// </summary>
public sealed class IncidentWorker(IncidentBook book, EventMapper mapper, IIncidents store, LiveRuntime live, Signal deliveries, TimeProvider time,
    ILogger<IncidentWorker> log) : BackgroundService
{
    /// <summary>The longest wait between tries to commit a card while the store refuses.</summary>
    private static readonly TimeSpan MaxCommitRetry = TimeSpan.FromSeconds(30);

    /// <summary>Registered before the processor and awaited by the host, so no event is folded into an empty book.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var runtime = live.Current;
        foreach (var open in await store.GetOpenAsync(cancellationToken))
        {
            var state = open.State;
            var rebuilt = open.LastEvent is { } stored ? DurableEventQueue.Rebuild(stored, runtime) : null;
            if (runtime.Rules.Find(state.Rule)?.Config.Group is not { } grouping || rebuilt?.Event is not { } last)
            {
                log.LogWarning("Incident {Incident} of rule {Rule} is not resumed: the rule or its group is no longer configured, or its latest event cannot be read ({Problem})",
                    state.Id, state.Rule, rebuilt?.Problem ?? "gone");
                continue;
            }
            book.Restore(state, grouping, last);
            log.LogInformation("Resumed incident {Incident} of rule {Rule}: {Count} events, {Cards} card(s) sent", state.Id, state.Rule, state.Count, state.Cards);
        }
        await base.StartAsync(cancellationToken);
    }

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
            // Shutdown: the incidents are in the store as their last commit left them; a card due now is made at the next start.
        }
    }

    private async Task SendAsync(DueCard due, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var state = due.View.State;
        var messages = due.Silent ? [] : mapper.MapCard(live.Current, due, now) ?? [];
        var card = new IncidentCard(messages, state, due.View.Phase == CardPhase.Close, now);
        var wait = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await store.CommitCardAsync(card, ct);
                break;
            }
            catch (StoreUnavailableException e)
            {
                log.LogError("Cannot commit the {Phase} card of incident {Incident}: {Reason}; trying again in {Wait}", due.View.Phase, state.Id, e.Message, wait);
                await Task.Delay(wait, time, ct);
                wait = wait * 2 < MaxCommitRetry ? wait * 2 : MaxCommitRetry;
            }
        }
        if (due.Silent)
        {
            log.LogDebug("Incident {Incident} of rule {Rule} closed after one event", state.Id, state.Rule);
            return;
        }
        log.LogInformation("Incident {Incident} of rule {Rule}: {Phase} card {Card} made ({Count} events since {OpenedAt})",
            state.Id, state.Rule, due.View.Phase, state.Cards, state.Count, state.OpenedAt);
        deliveries.Set();
    }
}
