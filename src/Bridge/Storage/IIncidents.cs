namespace Bridge.Storage;

/// <summary>
/// The silences (time-boxed holds on matching events), and the open incidents of grouped rules (<c>group</c>), so a restart in mid-storm keeps each count and sends no second
/// card, and the cards the clock rather than an event makes due (a first card after <c>wait</c>, an update after
/// <c>interval</c>, the closing card after <c>window</c>). A card's messages are kept under the incident's latest event,
/// like the messages its own mapping made. An incident's state is replaced only by a newer <see cref="Incidents.IncidentState.Version"/>.
/// The state an event changes is saved with its commit (<see cref="MappedRule.Incident"/>, <see cref="IEventLog.CommitMappedAsync"/>).
/// </summary>
/// <remarks>Writes are durable when their task completes; a write the store cannot commit fails with <see cref="StoreUnavailableException"/>.</remarks>
public interface IIncidents
{
    /// <summary>
    /// Commits, in one transaction, a card's messages (those of the event's card index already there are not made twice)
    /// and its incident's state after it: saved, or deleted when the card closed the incident.
    /// </summary>
    Task CommitCardAsync(IncidentCard card, CancellationToken ct);

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

/// <summary>One card the incident worker made.</summary>
/// <param name="Messages">The messages made (a dead one for a mapping that failed); empty when the mapping returned nothing.</param>
/// <param name="State">The incident after this card; its <see cref="Incidents.IncidentState.LastEventSeq"/> is the event the messages are kept under.</param>
/// <param name="Closed">The card closed the incident: its state is deleted.</param>
/// <param name="At">When it was made.</param>
public sealed record IncidentCard(IReadOnlyList<NewMessage> Messages, Incidents.IncidentState State, bool Closed, DateTimeOffset At);

/// <summary>An open incident as the store kept it.</summary>
public sealed record OpenIncident(Incidents.IncidentState State, StoredEvent? LastEvent);
