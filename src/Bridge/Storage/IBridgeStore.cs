namespace Bridge.Storage;

/// <summary>
/// Where the bridge keeps everything it has promised to deliver: accepted events with their de-duplication keys, the
/// messages mappings made of them, and every delivery attempt. The pipeline sees only this interface and plain records,
/// so another engine (PostgreSQL, with several bridges sharing one queue) can stand in without touching it.
/// </summary>
/// <remarks>
/// Every write is durable when its task completes (the 202 depends on it). Writes fail with
/// <see cref="StoreUnavailableException"/> when the store cannot commit (disk full, locked, corrupt); reads never write.
/// </remarks>
public interface IBridgeStore : IAsyncDisposable
{
    /// <summary>Why the store's last commit failed (disk full, locked...); null while commits succeed. Read by <c>/healthz</c>.</summary>
    string? LastCommitFailure { get; }

    /// <summary>Creates or migrates the schema and releases claims a previous process left behind.</summary>
    Task OpenAsync(CancellationToken ct);

    /// <summary>Commits an event and its de-duplication key, unless it is a copy of one already committed within the window.</summary>
    /// <returns>Accepted, Duplicate, or Unavailable (nothing written): expected outcomes, never thrown.</returns>
    Task<AcceptResult> AcceptEventAsync(NewEvent e, CancellationToken ct);

    /// <summary>Events committed but not yet processed, oldest first, with <see cref="StoredEvent.Seq"/> above <paramref name="afterSeq"/>.</summary>
    Task<IReadOnlyList<StoredEvent>> GetUnprocessedEventsAsync(long afterSeq, int limit, CancellationToken ct);


    /// <summary>Commits the messages made for an event and marks it processed, in one transaction.</summary>
    Task CompleteEventAsync(long eventSeq, IReadOnlyList<NewMessage> messages, IReadOnlyList<MappingRunLog> mappingLog, DateTimeOffset at, CancellationToken ct);

    /// <summary>
    /// Claims up to <paramref name="limit"/> pending messages for <paramref name="destination"/> whose next attempt is due,
    /// oldest first, for <paramref name="lease"/>; a claim not settled by then is free again (a crashed instance's work).
    /// </summary>
    Task<IReadOnlyList<StoredMessage>> ClaimDueMessagesAsync(string destination, DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct);

    /// <summary>When the earliest unclaimed pending message for <paramref name="destination"/> falls due; null when none waits.</summary>
    Task<DateTimeOffset?> GetNextDueAsync(string destination, CancellationToken ct);

    /// <summary>Records one delivery attempt and what it means for the message (delivered, rescheduled, dead), releasing its claim.</summary>
    Task RecordAttemptAsync(AttemptRecord attempt, MessageUpdate update, CancellationToken ct);

    /// <summary>Releases claims without recording an attempt (shutdown cut a send short; the message stays as it was).</summary>
    Task ReleaseClaimsAsync(IReadOnlyList<long> messageIds, CancellationToken ct);

    /// <summary>Marks dead, with <paramref name="reason"/>, the pending messages to <paramref name="destination"/> made before <paramref name="createdBefore"/>.</summary>
    Task<int> ExpireAsync(string destination, DateTimeOffset createdBefore, DateTimeOffset now, string reason, CancellationToken ct);

    /// <summary>Makes dead messages pending again, due at <paramref name="now"/>, with a fresh schedule; returns how many.</summary>
    Task<int> ReplayAsync(MessageFilter filter, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Replays a message no mapping could make: its event is marked unprocessed for that rule alone, so the processor runs
    /// the (fixed) mapping again; the dead record is replaced by what that run makes. False when it is no such message.
    /// </summary>
    Task<bool> ReplayMappingAsync(long messageId, CancellationToken ct);

    /// <summary>Deletes delivered messages and finished events older than <paramref name="before"/>, and expired de-duplication keys.</summary>
    Task<PurgeResult> PurgeAsync(DateTimeOffset before, DateTimeOffset now, CancellationToken ct);

    /// <summary>Events, newest first, after the cursor.</summary>
    Task<Page<StoredEvent>> ListEventsAsync(EventFilter filter, string? cursor, int limit, CancellationToken ct);

    /// <summary>The newest event with this id, or null.</summary>
    Task<StoredEvent?> GetEventAsync(string eventId, CancellationToken ct);

    /// <summary>Messages matching the filter, oldest first after the cursor.</summary>
    Task<Page<StoredMessage>> ListMessagesAsync(MessageFilter filter, string? cursor, int limit, CancellationToken ct);

    /// <summary>Every message of one stored event, oldest first.</summary>
    Task<IReadOnlyList<StoredMessage>> GetMessagesOfEventAsync(long eventSeq, CancellationToken ct);

    /// <summary>A message by id, or null.</summary>
    Task<StoredMessage?> GetMessageAsync(long id, CancellationToken ct);

    /// <summary>A message's attempts, oldest first.</summary>
    Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(long messageId, CancellationToken ct);

    /// <summary>Counts for <c>bridge status</c>: events not yet processed, and messages by destination and status.</summary>
    Task<StoreCounts> CountAsync(CancellationToken ct);
}
