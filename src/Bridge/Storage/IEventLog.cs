namespace Bridge.Storage;

/// <summary>
/// The accepted events, as the ingest endpoint and the processor need them: commit an event before its 202, read back
/// those whose mappings have not run, and commit what the mappings made.
/// </summary>
/// <remarks>Every write is durable when its task completes; a write the store cannot commit fails with
/// <see cref="StoreUnavailableException"/> and leaves nothing behind.</remarks>
public interface IEventLog
{
    /// <summary>
    /// How often the reader must look for unprocessed events although this process accepted none: an engine shared by
    /// several bridges hands back, when its read lease lapses, what a dead instance had read and not mapped, and nothing
    /// wakes the survivors for that. Null for an engine only this process writes (its accepts wake the reader).
    /// </summary>
    TimeSpan? LookAgainEvery { get; }

    /// <summary>Commits an event and its de-duplication keys, unless it is a copy of one committed within the window.</summary>
    /// <returns>Accepted, Duplicate, or Unavailable (nothing written): expected outcomes, never thrown.</returns>
    Task<AcceptResult> AcceptEventAsync(NewEvent e, CancellationToken ct);

    /// <summary>
    /// Up to <paramref name="limit"/> events whose mappings have not all run, oldest first, with <see cref="StoredEvent.Seq"/>
    /// above <paramref name="afterSeq"/>; <see cref="StoredEvent.RulesLeft"/> says which rules still have to.
    /// An engine several instances share (PostgreSQL) leases what it returns instead of heeding <paramref name="afterSeq"/>:
    /// its sequence numbers are taken before commit, so a cursor could pass one by; an event read is nobody else's until its
    /// rules are committed or the lease lapses.
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> GetUnprocessedEventsAsync(long afterSeq, int limit, CancellationToken ct);

    /// <summary>
    /// Commits, in one transaction, the messages each rule's mapping made for its event, and takes the rule off the event's
    /// rules left; an event with no rule left is processed. A rule already committed for its event is not committed twice.
    /// A grouped rule's <see cref="MappedRule.Group"/> is counted into its incident in the same transaction, as <see cref="IIncidents"/> keeps it.
    /// </summary>
    Task CommitMappedAsync(IReadOnlyList<MappedRule> mapped, DateTimeOffset at, CancellationToken ct);

    /// <summary>
    /// Commits, in one transaction, an event mapped outside the pipeline (the playground's test send) with the messages
    /// made of it, processed at once: the processor never sees it.
    /// </summary>
    Task<AcceptResult> AcceptMappedAsync(NewEvent e, IReadOnlyList<NewMessage> messages, MappingRunLog? log, CancellationToken ct);
}
