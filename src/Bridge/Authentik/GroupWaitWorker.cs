using System.Collections.Concurrent;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Pipeline;
using Bridge.Storage;

namespace Bridge.Authentik;

/// <summary>
/// Looks up the groups of the events that wait for them, judges their rules once the groups are known, and hands the
/// matched ones to the processor. A failed look-up is retried on a backoff kept in the store (like a failed delivery),
/// so a restart resumes the schedule; a refused token is retried slowly, and at once after a config reload changes the
/// source's <c>authentik_api</c>. Rules are never judged on guessed groups: the event waits until the API answers.
/// </summary>
public sealed class GroupWaitWorker(IGroupWaits waits, GroupResolver resolver, LiveRuntime live, DurableEventQueue queue, Silences.SilenceBook silences,
    TimeProvider time, ILogger<GroupWaitWorker> log) : BackgroundService
{
    /// <summary>Events taken from the store per pass.</summary>
    public const int Batch = 64;

    /// <summary>The wait before each retry of a look-up the API did not answer; the last one repeats.</summary>
    public static readonly IReadOnlyList<TimeSpan> Backoff =
        [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5)];

    /// <summary>The wait after a refused token: nothing changes until someone fixes it, and a reload retries at once.</summary>
    public static readonly TimeSpan RefusedRetry = GroupResolver.RefusedQuiet;

    /// <summary>How long the worker waits after the store failed before it looks again.</summary>
    private static readonly TimeSpan StoreRetry = TimeSpan.FromSeconds(1);

    private readonly Signal _wake = new();
    private readonly ConcurrentQueue<string> _changed = new();
    private Dictionary<string, AuthentikApiConfig?> _apis = Apis(live.Current);

    /// <summary>A new event waits: look it up now rather than at the next scheduled retry.</summary>
    public void Wake() => _wake.Set();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        live.Replaced += OnReplaced;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await PassAsync(stoppingToken);
                }
                catch (StoreUnavailableException e)
                {
                    log.LogError("Cannot read or record the events waiting for groups: {Reason}; trying again", e.Message);
                    await Task.Delay(StoreRetry, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the waiting events and their schedule are in the store.
        }
        finally
        {
            live.Replaced -= OnReplaced;
        }
    }

    private async Task PassAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        while (_changed.TryDequeue(out var source)) await waits.RetryAllAsync(source, now, ct);
        var due = await waits.GetDueAsync(now, Batch, ct);
        // One failure per source per pass: the other events of that source are not sent into the same wall.
        var failed = new Dictionary<string, GroupLookup>(StringComparer.Ordinal);
        foreach (var waiting in due) await ResolveAsync(waiting, failed, ct);
        if (due.Count == Batch) return;
        if (await waits.GetNextDueAsync(ct) is not { } next)
        {
            log.LogDebug("Group lookups idle: no event waits");
            await _wake.WaitAsync(ct);
            return;
        }
        if (next <= time.GetUtcNow()) return;
        var wait = _wake.WaitAsync(next, time, ct);
        // After the timer is set, so whoever moves a fake clock on this line cannot move it before the timer exists.
        log.LogDebug("Group lookups idle until {WakeAt}", next);
        await wait;
    }

    private async Task ResolveAsync(WaitingEvent waiting, Dictionary<string, GroupLookup> failed, CancellationToken ct)
    {
        var runtime = live.Current;
        if (!runtime.Config.Sources.TryGetValue(waiting.Source, out var source))
        {
            await PostponeAsync(waiting, new GroupLookup.Waiting($"source '{waiting.Source}' is no longer configured"), ct);
            return;
        }
        var reading = EventReader.ReadEvent(waiting.Body, source, waiting.ReceivedAt, PayloadLimits.Stored);
        if (reading.Event is not { } read)
        {
            await PostponeAsync(waiting, new GroupLookup.Waiting($"the stored body is no longer an event: {reading.Problem!.Detail}"), ct);
            return;
        }
        // The id the 202 named, not a fresh one (the bridge makes ids for bodies without one).
        var e = read with { Id = waiting.EventId };
        var lookup = failed.GetValueOrDefault(source.Name) ?? await resolver.LookupAsync(source, e, ct);
        switch (lookup)
        {
            case GroupLookup.Known known:
                await JudgeAsync(waiting, runtime, EventGroups.With(e, known.Groups), ct);
                break;
            case GroupLookup.NotNeeded:
                // The source's authentik_api was removed (or the body is read differently now): judged as it came.
                await JudgeAsync(waiting, runtime, e, ct);
                break;
            default:
                failed[source.Name] = lookup;
                await PostponeAsync(waiting, lookup, ct);
                break;
        }
    }

    private async Task JudgeAsync(WaitingEvent waiting, BridgeRuntime runtime, BridgeEvent e, CancellationToken ct)
    {
        var verdicts = silences.Apply(runtime.Rules.Evaluate(e), e, time.GetUtcNow());
        var judged = await waits.ResolveAsync(waiting.Seq, new NewEvent(e, verdicts, waiting.DedupeKey, waiting.ReceivedAt, runtime.Config.Storage.DedupeWindow), ct);
        if (judged is null) return;
        var groups = e.User?.Groups ?? [];
        if (judged.RulesToRun.Count == 0)
        {
            log.LogInformation("Judged event {EventId} ({Action}) from {Source} with groups {Groups} from Authentik's API; no rule matched, nothing will be sent",
                e.Id, e.Action, e.Source, groups);
            return;
        }
        log.LogInformation("Judged event {EventId} ({Action}) from {Source} with groups {Groups} from Authentik's API; matched {Rules}",
            e.Id, e.Action, e.Source, groups, judged.RulesToRun);
        // Committed now, behind the reader's position: it must look again from the start.
        queue.Rescan();
    }

    private async Task PostponeAsync(WaitingEvent waiting, GroupLookup lookup, CancellationToken ct)
    {
        var attempts = waiting.Wait.Attempts + 1;
        var (reason, wait) = lookup switch
        {
            GroupLookup.Refused refused => (refused.Reason, RefusedRetry),
            GroupLookup.Waiting w => (w.Reason, Backoff[Math.Min(attempts, Backoff.Count) - 1]),
            _ => throw new ArgumentOutOfRangeException(nameof(lookup), lookup, "only a failed look-up is postponed"),
        };
        var retryAt = time.GetUtcNow() + wait;
        await waits.PostponeAsync(waiting.Seq, new GroupWait(reason, retryAt, attempts), ct);
        log.LogInformation("Event {EventId} from {Source} waits for its user's groups ({Reason}); try {Attempt} failed, next at {RetryAt}",
            waiting.EventId, waiting.Source, reason, attempts, retryAt);
    }

    /// <summary>After a reload: the events of a source whose API settings changed (a fixed token, say) are tried at once.</summary>
    private void OnReplaced()
    {
        var next = Apis(live.Current);
        foreach (var (source, api) in next)
        {
            if (_apis.GetValueOrDefault(source) != api) _changed.Enqueue(source);
        }
        _apis = next;
        _wake.Set();
    }

    private static Dictionary<string, AuthentikApiConfig?> Apis(BridgeRuntime runtime) =>
        runtime.Config.Sources.ToDictionary(s => s.Key, s => s.Value.AuthentikApi, StringComparer.Ordinal);
}
