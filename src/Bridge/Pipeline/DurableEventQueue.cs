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

    // By event id, and filled before the commit: the processor, woken by the first accept of a group commit, reads every
    // event that commit made before the other requests' continuations run, so a window filled after the commit missed
    // about 40 % of the events and they were parsed again from their bodies.
    private readonly ConcurrentDictionary<string, AcceptedEvent> _cache = new();
    private readonly Signal _arrived = new();
    private long _rescanFrom = -1;
    private long _lastRead;

    public async ValueTask<AcceptResult> AcceptAsync(AcceptedEvent accepted, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        var e = accepted.Event;
        var config = accepted.Runtime.Config;
        var key = DedupeKeys.For(e, config.Sources[e.Source].Format);
        // Another copy with the same id on its way keeps the place; this one is then rebuilt from its body if it is read.
        var cached = _cache.Count < MaxCached && _cache.TryAdd(e.Id, accepted);
        AcceptResult result;
        try
        {
            result = await store.AcceptEventAsync(new NewEvent(e, accepted.Verdicts, key, accepted.ReceivedAt, config.Storage.DedupeWindow), ct);
        }
        catch
        {
            if (cached) _cache.TryRemove(new(e.Id, accepted));
            throw;
        }
        // An event with no rule to run is processed as it is committed: the reader never sees it, nor a copy or a refusal.
        var toRead = result.Status == AcceptStatus.Accepted && result.RulesToRun.Count > 0;
        if (cached && (!toRead || result.Seq <= Volatile.Read(ref _lastRead))) _cache.TryRemove(new(e.Id, accepted));
        if (toRead) _arrived.Set();
        return result;
    }

    /// <summary>Makes the reader look again from the start (an event was marked unprocessed again, e.g. to replay a mapping).</summary>
    public void Rescan()
    {
        Interlocked.Exchange(ref _rescanFrom, 0);
        _arrived.Set();
    }

    public Task WaitAsync(CancellationToken ct) =>
        store.LookAgainEvery is { } every ? _arrived.WaitAsync(time.GetUtcNow() + every, time, ct) : _arrived.WaitAsync(ct);

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
        // The entry under its id is this row's when the source and the millisecond it was received agree (an older row with
        // the same id, from before a restart or past the window, is rebuilt; the entry waits for its own row).
        if (_cache.TryGetValue(stored.EventId, out var accepted) && accepted.Event.Source == stored.Source
            && accepted.ReceivedAt.ToUnixTimeMilliseconds() == stored.ReceivedAt.ToUnixTimeMilliseconds()
            && _cache.TryRemove(new(stored.EventId, accepted)))
            return new PendingEvent(stored.Seq, stored.EventId, stored.DedupeKey, accepted.Event, stored.RulesLeft, accepted.Runtime);

        // Committed by an earlier process (or not cached): rebuild the event from its body under today's configuration.
        return Rebuild(stored, live.Current);
    }

    /// <summary>A stored event read again from its body under <paramref name="runtime"/>, as the rules saw it (the incident worker's latest events too).</summary>
    internal static PendingEvent Rebuild(StoredEvent stored, BridgeRuntime runtime)
    {
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
