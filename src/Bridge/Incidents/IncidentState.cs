namespace Bridge.Incidents;

/// <summary>
/// One open incident (a rule's group) as it stands after its latest event: what its cards tell and when the next one is
/// due. Immutable: each event that joins makes the next state, so the state a commit carries is never changed under it.
/// </summary>
/// <param name="Id">The <c>sequence_id</c> every card of the incident carries, so each replaces the previous on the phone.</param>
/// <param name="Key">The values of the rule's <c>group.by</c> fields that make the group, in their order (null: the event had none).</param>
/// <param name="Cards">Cards made so far (0 while the first waits for <c>group.wait</c>).</param>
/// <param name="LastCardAt">When the latest card was made; null before the first.</param>
/// <param name="UpdatePending">Events joined since the latest card: an update is due at <c>LastCardAt + interval</c>.</param>
/// <param name="Values">The distinct values seen of each tracked field (at most <see cref="IncidentLogic.MaxValues"/> each), in order of first sight.</param>
/// <param name="Samples">The first event and the latest few, at most <see cref="IncidentLogic.MaxSamples"/>.</param>
/// <param name="LastEventSeq">The store's sequence number of the latest event: later cards are made from it and kept with it.</param>
/// <param name="Version">Grows by one with each event: a card made from an older version leaves an update owed.</param>
public sealed record IncidentState(
    string Id,
    string Rule,
    IReadOnlyList<string?> Key,
    DateTimeOffset OpenedAt,
    DateTimeOffset LastAt,
    long Count,
    int Cards,
    DateTimeOffset? LastCardAt,
    bool UpdatePending,
    IReadOnlyList<IncidentValues> Values,
    IReadOnlyList<IncidentSample> Samples,
    long LastEventSeq,
    long Version)
{
    /// <summary>The highest lane a card of the incident took: every later card goes in it too, so the closing card of an urgent incident is urgent.</summary>
    public Storage.MessageLane Lane { get; init; }
}

/// <summary>The distinct values of one field among an incident's events.</summary>
public sealed record IncidentValues(string Field, IReadOnlyList<string> Seen);

/// <summary>A few words about one event of an incident, for the card's text.</summary>
public sealed record IncidentSample(string Id, string? Action, string? User, string? ClientIp, string? Summary, DateTimeOffset At);

/// <summary>Which card of an incident a mapping is asked to make.</summary>
public enum CardPhase
{
    /// <summary>The first card: the group just opened (or its <c>wait</c> ended).</summary>
    Open,

    /// <summary>More events joined: the same card, updated.</summary>
    Update,

    /// <summary>The group was quiet for its window: the last card, with the summary.</summary>
    Close,
}
