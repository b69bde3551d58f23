using Bridge.Storage;

namespace Bridge.Pipeline;

/// <summary>
/// The processor's schedule: one lane per rule. A rule's runs may go in parallel but are committed in the order their
/// events arrived (so a rule's messages keep their order); lanes are served in turn, so a rule whose mapping is slow
/// holds back only its own messages, never another rule's. A grouped rule's events are counted into their incidents by
/// the store's commit, under the group's lock, so its lane needs no order beyond that. Not thread-safe: the processor's
/// loop owns it.
/// </summary>
internal sealed class MappingLanes
{
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly Queue<Lane> _turns = new();

    /// <summary>Runs under way, over all lanes.</summary>
    public int Running { get; private set; }

    public bool HasWaiting => _turns.Count > 0;

    public void Add(PendingEvent pending, string rule)
    {
        if (!_lanes.TryGetValue(rule, out var lane)) _lanes[rule] = lane = new Lane();
        if (lane.Waiting.Count == 0) _turns.Enqueue(lane);
        lane.Waiting.Enqueue(new Run(pending, rule, lane));
    }

    /// <summary>The next run to start: the next lane's oldest waiting one, taking lanes in turn.</summary>
    public Run? Next()
    {
        if (!_turns.TryDequeue(out var lane)) return null;
        var run = lane.Waiting.Dequeue();
        lane.Started.Enqueue(run);
        if (lane.Waiting.Count > 0) _turns.Enqueue(lane);
        Running++;
        return run;
    }

    /// <summary>Records a finished run; adds to <paramref name="ready"/> what its lane may now commit, in order.</summary>
    public void Finished(Run run, MappedRule result, List<Run> ready)
    {
        run.Result = result;
        Running--;
        var started = run.Lane.Started;
        while (started.TryPeek(out var first) && first.Result is not null) ready.Add(started.Dequeue());
    }

    /// <summary>One rule's mapping for one event.</summary>
    internal sealed class Run(PendingEvent pending, string rule, Lane lane)
    {
        public PendingEvent Event { get; } = pending;

        public string Rule { get; } = rule;

        public Lane Lane { get; } = lane;

        public MappedRule? Result { get; set; }
    }

    internal sealed class Lane
    {
        public Queue<Run> Waiting { get; } = new();

        /// <summary>Started, not yet committable, in arrival order.</summary>
        public Queue<Run> Started { get; } = new();
    }
}
