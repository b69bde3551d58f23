using System.Threading.Channels;
using Bridge.Observability;
using Bridge.Storage;

namespace Bridge.Pipeline;

/// <summary>
/// Runs the matched rules' mappings for committed events, after their 202 went out, and commits the messages they
/// make (or, for a mapping that fails, a dead message saying why). It takes every event that is ready, up to
/// <see cref="Window"/> in hand, runs up to <c>mapping_limits.max_concurrency</c> mappings at once on the thread pool,
/// and commits whatever has finished in one transaction without waiting for the slowest. Each rule is a lane
/// (<see cref="MappingLanes"/>): its messages are committed in event order, and a slow or failing mapping delays only
/// its own rule's messages.
/// </summary>
public sealed class EventProcessor(IEventQueue events, IEventLog store, Signal deliveries, EventMapper mapper, Incidents.IncidentWorker incidents, TimeProvider time,
    ILogger<EventProcessor> log, BridgeMetrics metrics) : BackgroundService
{
    /// <summary>Events in hand at once (read, not yet fully committed): bounds the processor's memory whatever the backlog.</summary>
    public const int Window = 256;

    /// <summary>The longest wait between tries to commit messages while the store refuses.</summary>
    private static readonly TimeSpan MaxCommitRetry = TimeSpan.FromSeconds(30);

    private readonly Channel<(MappingLanes.Run Run, MappedRule Result)> _finished =
        Channel.CreateUnbounded<(MappingLanes.Run, MappedRule)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly Dictionary<long, EventProgress> _inHand = [];
    private readonly MappingLanes _lanes = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ready = new List<MappingLanes.Run>();
        List<MappingLanes.Run>? committing = null;
        Task? commit = null;
        var mayHaveMore = true;
        Task? arrival = null;
        Task<bool>? finishing = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (mayHaveMore && _inHand.Count < Window) mayHaveMore = await TakeAsync(Window - _inHand.Count, stoppingToken);
                Start(mapper.MaxConcurrency);
                while (_finished.Reader.TryRead(out var done)) _lanes.Finished(done.Run, done.Result, ready);
                if (commit is { IsCompleted: true })
                {
                    await commit;
                    Finish(committing!);
                    (commit, committing) = (null, null);
                }
                // One commit at a time, so batches land in order; mappings go on running while it is under way, and
                // what finishes meanwhile goes into the next one.
                if (commit is null && ready.Count > 0)
                {
                    committing = ready;
                    ready = [];
                    commit = CommitAsync(committing, stoppingToken);
                    continue;
                }
                if (mayHaveMore && _inHand.Count < Window) continue;
                // Each wait is kept until it completes, so a loop that wakes often leaves no waiters behind.
                finishing ??= _finished.Reader.WaitToReadAsync(stoppingToken).AsTask();
                var waits = new List<Task>(3) { finishing };
                if (commit is not null) waits.Add(commit);
                if (_inHand.Count < Window) waits.Add(arrival ??= events.WaitAsync(stoppingToken));
                await Task.WhenAny(waits);
                if (finishing.IsCompleted)
                {
                    await finishing;
                    finishing = null;
                }
                if (arrival is { IsCompleted: true })
                {
                    await arrival;
                    arrival = null;
                    mayHaveMore = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: what is not committed stays unprocessed in the store and is mapped at the next start.
        }
    }

    /// <returns>Whether more events may be waiting (the read came back full).</returns>
    private async Task<bool> TakeAsync(int max, CancellationToken ct)
    {
        var batch = await events.ReadAsync(max, ct);
        foreach (var pending in batch)
        {
            // Read again after a rescan while still in hand: its runs are under way already.
            if (_inHand.ContainsKey(pending.Seq)) continue;
            _inHand[pending.Seq] = new EventProgress(pending.RulesToRun.Count);
            foreach (var rule in pending.RulesToRun) _lanes.Add(pending, rule);
        }
        return batch.Count == max;
    }

    private void Start(int maxConcurrency)
    {
        while (_lanes.Running < maxConcurrency && _lanes.Next() is { } run)
        {
            // Mappings are synchronous CPU work, bounded by the sandbox's limits: on the pool, never on this loop.
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Processor.Run(state.Run), (Processor: this, Run: run), preferLocal: false);
        }
    }

    private void Run(MappingLanes.Run run)
    {
        var now = time.GetUtcNow();
        MappedRule result;
        try
        {
            var started = time.GetTimestamp();
            result = mapper.Map(run.Event, run.Rule, now);
            metrics.MappingRan(run.Rule, time.GetElapsedTime(started), result.Log is { Errors.Count: > 0 });
        }
        catch (Exception e)
        {
            // A bug, not a script's fault: the run still ends, as a dead message saying why, so its lane goes on.
            log.LogError(e, "Mapping rule {Rule} for event {EventId} failed unexpectedly; recorded as dead", run.Rule, run.Event.EventId);
            result = EventMapper.Dead(run.Event, run.Rule, "", $"the bridge failed to map it: {e.GetType().Name}: {e.Message}", now);
        }
        _finished.Writer.TryWrite((run, result));
    }

    /// <summary>Retries until the store takes the messages: their events stay unprocessed meanwhile, so nothing is lost either way.</summary>
    private async Task CommitAsync(List<MappingLanes.Run> ready, CancellationToken ct)
    {
        var mapped = new List<MappedRule>(ready.Count);
        foreach (var run in ready) mapped.Add(run.Result!);
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
                log.LogError("Cannot commit the messages of {Count} mapping runs: {Reason}; trying again in {Wait}", mapped.Count, e.Message, wait);
                await Task.Delay(wait, time, ct);
                wait = wait * 2 < MaxCommitRetry ? wait * 2 : MaxCommitRetry;
            }
        }
    }

    /// <summary>After a commit: events with no rule left are done, delivery has new messages, and incidents may have cards due.</summary>
    private void Finish(List<MappingLanes.Run> committed)
    {
        foreach (var run in committed)
        {
            // Counted into its incident by the commit: the incident's card may be due now (the first one, without a wait).
            if (run.Result!.Group is not null) incidents.Wake();
            var progress = _inHand[run.Event.Seq];
            foreach (var m in run.Result!.Messages)
            {
                if (m.Status == MessageStatus.Pending) progress.Queued++;
                else
                {
                    progress.Dead++;
                    metrics.DeadAtBirth(m.Destination);
                }
            }
            if (--progress.RulesLeft > 0) continue;
            _inHand.Remove(run.Event.Seq);
            // After the commit, so whoever reads this (a person, a test) finds the messages in the store.
            log.LogDebug("Processed event {EventId}: {Queued} message(s) queued, {Dead} dead", run.Event.EventId, progress.Queued, progress.Dead);
        }
        deliveries.Set();
    }

    private sealed class EventProgress(int rules)
    {
        public int RulesLeft { get; set; } = rules;

        public int Queued { get; set; }

        public int Dead { get; set; }
    }
}
