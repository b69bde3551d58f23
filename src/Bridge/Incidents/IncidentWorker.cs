using Bridge.Configuration;
using Bridge.Pipeline;
using Bridge.Storage;

namespace Bridge.Incidents;

/// <summary>
/// Makes the incident cards: a first card once <c>group.wait</c> has passed (at once without one), an update once
/// <c>group.interval</c> has passed since the last card and events joined meanwhile, and the closing card once the group
/// was quiet for <c>group.window</c>. The incidents live in the store, which every instance on one database shares:
/// this worker claims those whose card is due (exactly one instance claims each), runs the rule's mapping through the same
/// <see cref="EventMapper"/> as an event's, on the incident's latest event with <c>ctx.group</c> telling the whole
/// incident, and commits the card with the incident after it. The processor wakes it after committing a fold; on a shared
/// store it also looks as often as the event reader does, for cards other instances' events made due. Timers run on the
/// injected clock.
/// </summary>
public sealed class IncidentWorker(EventMapper mapper, IIncidents store, IEventLog events, LiveRuntime live, Signal deliveries, TimeProvider time,
    ILogger<IncidentWorker> log) : BackgroundService
{
    /// <summary>Incidents claimed at once; more due ones are claimed right after.</summary>
    private const int ClaimBatch = 16;

    /// <summary>The longest wait between tries while the store refuses.</summary>
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    private readonly Signal _wake = new();

    /// <summary>An event was counted into an incident: its card may be due now.</summary>
    public void Wake() => _wake.Set();

    /// <summary>Says, at start-up, which incidents the store kept open: their counts go on and no second opening card is sent.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var runtime = live.Current;
        foreach (var open in await store.GetOpenAsync(cancellationToken))
        {
            var state = open.State;
            if (runtime.Rules.Find(state.Rule)?.Config.Group is null || open.LastEvent is null)
            {
                log.LogWarning("Incident {Incident} of rule {Rule} is not resumed: the rule or its group is no longer configured, or its latest event is gone; it is dropped when due",
                    state.Id, state.Rule);
                continue;
            }
            log.LogInformation("Resumed incident {Incident} of rule {Rule}: {Count} events, {Cards} card(s) sent", state.Id, state.Rule, state.Count, state.Cards);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await LookAsync(stoppingToken);
                retry = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutdown: the incidents are in the store as their last commit left them; a card due now is made at the next start, or by another instance.
                return;
            }
            catch (StoreUnavailableException e)
            {
                log.LogError("Cannot make incident cards: {Reason}; trying again in {Wait}", e.Message, retry);
                await Task.Delay(retry, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                retry = retry * 2 < MaxRetry ? retry * 2 : MaxRetry;
            }
        }
    }

    /// <summary>Makes the cards due now, or waits until the next falls due (or a fold, or the shared store's next look).</summary>
    private async Task LookAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var next = await store.NextDueAsync(now, ct);
        if (next <= now)
        {
            var claimed = await store.ClaimDueAsync(now, ClaimBatch, live.Current.Config.Storage.Lease, ct);
            foreach (var incident in claimed) await MakeAsync(incident, ct);
            // None: a fold on another connection holds the row for a moment (PostgreSQL skips it). A short real pause, not the
            // injected clock's: nothing here waits for time to pass, only for that transaction to end.
            if (claimed.Count == 0) await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
            return;
        }
        DateTimeOffset? wake = events.LookAgainEvery is { } every ? now + every : null;
        if (next is { } due && (wake is null || due < wake)) wake = due;
        if (wake is not { } until)
        {
            log.LogDebug("Incidents idle: none open");
            await _wake.WaitAsync(ct);
            return;
        }
        var wait = _wake.WaitAsync(until, time, ct);
        // After the timer is set, so whoever moves a fake clock on this line cannot move it before the timer exists.
        log.LogDebug("Incidents idle until {WakeAt}", until);
        await wait;
    }

    private async Task MakeAsync(ClaimedIncident claimed, CancellationToken ct)
    {
        var runtime = live.Current;
        var now = time.GetUtcNow();
        var state = claimed.State;
        var config = runtime.Rules.Find(state.Rule)?.Config.Group;
        var rebuilt = claimed.LastEvent is { } stored ? DurableEventQueue.Rebuild(stored, runtime) : null;
        IncidentCard card;
        if (config is null || rebuilt?.Event is not { } last)
        {
            log.LogWarning("Incident {Incident} of rule {Rule} is dropped: the rule or its group is no longer configured, or its latest event cannot be read ({Problem})",
                state.Id, state.Rule, rebuilt?.Problem ?? "gone");
            card = new IncidentCard([], state, null, null, claimed.Claim, now);
        }
        else
        {
            // Null: not due under the rule's group as it is now (changed since); the claim ends and the time is reckoned again.
            var due = IncidentLogic.Due(state, config, now, claimed.Superseded);
            var messages = due is null || due.Silent ? [] : mapper.MapCard(runtime, due, last, now) ?? [];
            card = new IncidentCard(messages, state, due, config, claimed.Claim, now);
        }
        if (!await CommitAsync(card, ct))
        {
            log.LogInformation("Incident {Incident}: its claim lapsed before the card was committed; another instance makes it", state.Id);
            return;
        }
        if (card.Card is not { } made) return;
        if (made.Silent)
        {
            log.LogDebug("Incident {Incident} of rule {Rule} closed after one event", state.Id, state.Rule);
            return;
        }
        var told = made.View.State;
        log.LogInformation("Incident {Incident} of rule {Rule}: {Phase} card {Card} made ({Count} events since {OpenedAt})",
            state.Id, state.Rule, made.View.Phase, told.Cards, told.Count, told.OpenedAt);
        deliveries.Set();
    }

    /// <summary>Retries while the store refuses: the claim holds the incident meanwhile.</summary>
    private async Task<bool> CommitAsync(IncidentCard card, CancellationToken ct)
    {
        var wait = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await store.CommitCardAsync(card, ct);
            }
            catch (StoreUnavailableException e)
            {
                log.LogError("Cannot commit the card of incident {Incident}: {Reason}; trying again in {Wait}", card.MadeFrom.Id, e.Message, wait);
                await Task.Delay(wait, time, ct);
                wait = wait * 2 < MaxRetry ? wait * 2 : MaxRetry;
            }
        }
    }
}
