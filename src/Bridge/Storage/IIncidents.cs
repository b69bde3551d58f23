namespace Bridge.Storage;

/// <summary>
/// The incident cards of grouped rules (<c>group</c>) that the clock makes due rather than an event: a first card after
/// <c>wait</c>, an update after <c>interval</c>, the closing card after <c>window</c>. Each card's messages are kept under
/// the incident's latest event, like the messages its own mapping made.
/// </summary>
/// <remarks>Writes are durable when their task completes; a write the store cannot commit fails with <see cref="StoreUnavailableException"/>.</remarks>
public interface IIncidents
{
    /// <summary>Commits a card's messages (those of the event's <paramref name="card"/> index already there are not made twice).</summary>
    Task CommitCardAsync(IncidentCard card, CancellationToken ct);
}

/// <summary>One card the incident worker made.</summary>
/// <param name="EventSeq">The incident's latest event, which the card's messages are kept under.</param>
/// <param name="Messages">The messages made (a dead one for a mapping that failed); empty when the mapping returned nothing.</param>
/// <param name="At">When it was made.</param>
public sealed record IncidentCard(long EventSeq, IReadOnlyList<NewMessage> Messages, DateTimeOffset At);
