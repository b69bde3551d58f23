namespace Bridge.Storage;

/// <summary>
/// The silences (time-boxed holds on matching events), and the open incidents of grouped rules (<c>group</c>): one row per
/// incident, found by its rule and group key while open, so every instance on one database counts into the same incident
/// and a restart in mid-storm keeps each count and sends no second card. Events join in the transaction that commits their
/// rule (<see cref="MappedRule.Group"/>, <see cref="IEventLog.CommitMappedAsync"/>), under a lock of the group; the cards
/// are made by whichever instance claims the incident once its next card is due (<see cref="ClaimDueAsync"/>), and kept
/// under the incident's latest event, like the messages an event's own mapping makes.
/// </summary>
/// <remarks>Writes are durable when their task completes; a write the store cannot commit fails with <see cref="StoreUnavailableException"/>.</remarks>
public interface IIncidents
{
    /// <summary>
    /// Claims up to <paramref name="limit"/> incidents whose next card is due by <paramref name="now"/> and that no live
    /// claim holds, each for <paramref name="lease"/> (then another instance may claim it: its claimant died).
    /// </summary>
    Task<IReadOnlyList<ClaimedIncident>> ClaimDueAsync(DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct);

    /// <summary>
    /// Commits, in one transaction, a claimed incident's card: its messages (those of its card index already there are not
    /// made twice) and the incident after it (<see cref="Incidents.IncidentLogic.Made"/> on its state now: events that
    /// joined meanwhile stay counted), or its deletion when the card closed it. The claim ends.
    /// </summary>
    /// <returns>False, with nothing written, when the claim lapsed and was taken again or the incident is gone.</returns>
    Task<bool> CommitCardAsync(IncidentCard card, CancellationToken ct);

    /// <summary>When the earliest card falls due that nobody holds a claim on (a claimed one: when its claim lapses); null when no incident is open.</summary>
    Task<DateTimeOffset?> NextDueAsync(DateTimeOffset now, CancellationToken ct);

    /// <summary>The open incidents, each with its latest event as stored (null when that event is gone).</summary>
    Task<IReadOnlyList<OpenIncident>> GetOpenAsync(CancellationToken ct);

    /// <summary>Keeps a new silence; false (nothing written) when a silence with its id exists, ended or not.</summary>
    Task<bool> AddSilenceAsync(Silences.Silence silence, CancellationToken ct);

    /// <summary>Records that a silence was ended early, at <paramref name="at"/>.</summary>
    Task EndSilenceAsync(string id, DateTimeOffset at, CancellationToken ct);

    /// <summary>The silence with that id, ended or not; null when none has it.</summary>
    Task<Silences.Silence?> GetSilenceAsync(string id, CancellationToken ct);

    /// <summary>The silences in force at <paramref name="now"/> (not ended, not over).</summary>
    Task<IReadOnlyList<Silences.Silence>> GetSilencesAsync(DateTimeOffset now, CancellationToken ct);
}

/// <summary>An incident claimed for its due card.</summary>
/// <param name="Superseded">A later event of its group opened a new incident: this one owes only its closing card.</param>
/// <param name="LastEvent">Its latest event as stored, which the card is made from (null when that event is gone).</param>
/// <param name="Claim">The claim's number: the card's commit is fenced by it.</param>
public sealed record ClaimedIncident(Incidents.IncidentState State, bool Superseded, StoredEvent? LastEvent, long Claim);

/// <summary>One card an instance made for a claimed incident.</summary>
/// <param name="Messages">The messages made (a dead one for a mapping that failed); empty when the mapping returned nothing.</param>
/// <param name="MadeFrom">The incident as claimed: its <see cref="Incidents.IncidentState.LastEventSeq"/> is the event the messages are kept under.</param>
/// <param name="Card">The card; null when none was due under <paramref name="Config"/> (the rule's group changed), or with a dropped incident.</param>
/// <param name="Config">The rule's <c>group</c> now, which the next card's time is reckoned by; null: the incident is dropped (its rule is no longer grouped, or its event is gone).</param>
/// <param name="Claim">The claim it was made under.</param>
/// <param name="At">When it was made.</param>
public sealed record IncidentCard(IReadOnlyList<NewMessage> Messages, Incidents.IncidentState MadeFrom, Incidents.DueCard? Card, Configuration.GroupConfig? Config,
    long Claim, DateTimeOffset At)
{
    /// <summary>The highest lane of its messages: the incident's later cards go in it too.</summary>
    public MessageLane Lane => Messages.Count == 0 ? MessageLane.Normal : Messages.Max(m => m.Lane);

    /// <summary>The incident after this card (<see cref="Incidents.IncidentLogic.Made"/>), given its state now; null when it is deleted.</summary>
    public Incidents.IncidentState? After(Incidents.IncidentState current) =>
        Card is not null ? Incidents.IncidentLogic.Made(current, MadeFrom, Card, Lane) : Config is null ? null : current;
}

/// <summary>An open incident as the store kept it.</summary>
public sealed record OpenIncident(Incidents.IncidentState State, StoredEvent? LastEvent);
