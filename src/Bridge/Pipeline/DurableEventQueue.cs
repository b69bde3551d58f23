using System.Collections.Concurrent;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Storage;

namespace Bridge.Pipeline;

/// <summary>
/// The store is the queue: accepting commits the event, and the reader walks unprocessed events in commit order, so
/// the events a crash left unprocessed come first after a restart and nothing is read twice. A small window of events
/// accepted by this process is kept in memory until read, so the usual path does not parse a body twice; beyond it
/// (a backlog) events stay in the store and are rebuilt from their bodies as they are read, in batches.
/// </summary>
public sealed class DurableEventQueue(IEventLog store, LiveRuntime live, TimeProvider time, ILogger<DurableEventQueue> log) : IEventQueue
{
    /// <summary>
    /// Accepted events kept in memory, parsed, until the processor reads them. Small on purpose: memory is bounded by
    /// this, not by the backlog; an event beyond it costs one more parse.
    /// </summary>
    public const int MaxCached = 512;

    /// <summary>How long the reader waits after the store failed a read before it looks again.</summary>
    private static readonly TimeSpan ReadRetry = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<long, AcceptedEvent> _cache = new();
    private readonly Signal _arrived = new();
    private long _rescanFrom = -1;
    private long _lastRead;

    public async ValueTask<AcceptResult> AcceptAsync(AcceptedEvent accepted, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        var e = accepted.Event;
        var config = accepted.Runtime.Config;
        var key = DedupeKeys.For(e, config.Sources[e.Source].Format);
        var result = await store.AcceptEventAsync(new NewEvent(e, accepted.Verdicts, key, accepted.ReceivedAt, config.Storage.DedupeWindow), ct);
        // An event with no rule to run is processed as it is committed: the reader never sees it.
        if (result.Status == AcceptStatus.Accepted && result.RulesToRun.Count > 0)
        {
            if (_cache.Count < MaxCached)
            {
                _cache[result.Seq] = accepted;
                // The reader may have passed this event already (woken by another); then it rebuilt it, and this copy would linger.
                if (result.Seq <= Volatile.Read(ref _lastRead)) _cache.TryRemove(result.Seq, out _);
            }
            _arrived.Set();
        }
        return result;
    }

    /// <summary>Makes the reader look again from the start (an event was marked unprocessed again, e.g. to replay a mapping).</summary>
    public void Rescan()
    {
        Interlocked.Exchange(ref _rescanFrom, 0);
        _arrived.Set();
    }

    public Task WaitAsync(CancellationToken ct) => _arrived.WaitAsync(ct);

    public async Task<IReadOnlyList<PendingEvent>> ReadAsync(int max, CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _rescanFrom, -1) is >= 0 and var from) Volatile.Write(ref _lastRead, from);
        IReadOnlyList<StoredEvent> batch;
        try
        {
            batch = await store.GetUnprocessedEventsAsync(Volatile.Read(ref _lastRead), max, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Cannot read unprocessed events from the store; trying again");
            await Task.Delay(ReadRetry, time, ct);
            _arrived.Set();
            return [];
        }
        var pending = new List<PendingEvent>(batch.Count);
        foreach (var stored in batch)
        {
            Volatile.Write(ref _lastRead, stored.Seq);
            pending.Add(ToPending(stored));
        }
        return pending;
    }

    private PendingEvent ToPending(StoredEvent stored)
    {
        if (_cache.TryRemove(stored.Seq, out var accepted))
            return new PendingEvent(stored.Seq, stored.EventId, stored.DedupeKey, accepted.Event, stored.RulesLeft, accepted.Runtime);

        // Committed by an earlier process (or not cached): rebuild the event from its body under today's configuration.
        var runtime = live.Current;
        if (!runtime.Config.Sources.TryGetValue(stored.Source, out var source))
            return Unbuildable(stored, runtime, $"source '{stored.Source}' is no longer configured");
        var reading = EventReader.ReadEvent(stored.Body, source, stored.ReceivedAt, PayloadLimits.Stored);
        if (reading.Event is not { } e)
        {
            var problem = reading.Problem!;
            return Unbuildable(stored, runtime, problem.Status == 422
                ? $"the stored body is no longer an event: {problem.Detail}"
                : $"the stored body cannot be read again: {problem.Detail}");
        }
        // The id the 202 named, not a fresh one (the bridge makes ids for bodies without one); the groups the rules saw.
        var rebuilt = Authentik.EventGroups.Restore(e with { Id = stored.EventId }, stored.EventJson);
        return new PendingEvent(stored.Seq, stored.EventId, stored.DedupeKey, rebuilt, stored.RulesLeft, runtime);
    }

    private static PendingEvent Unbuildable(StoredEvent stored, BridgeRuntime runtime, string problem) =>
        new(stored.Seq, stored.EventId, stored.DedupeKey, null, stored.RulesLeft, runtime, problem);
}
