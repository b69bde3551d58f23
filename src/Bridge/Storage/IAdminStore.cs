namespace Bridge.Storage;

/// <summary>What the admin API and <c>bridge status</c> read, and the replays they start.</summary>
public interface IAdminStore
{
    /// <summary>Events, newest first, after the cursor.</summary>
    Task<Page<StoredEvent>> ListEventsAsync(EventFilter filter, string? cursor, int limit, CancellationToken ct);

    /// <summary>
    /// The newest event with this id from each source that sent one (two senders may use the same ids), or only from
    /// <paramref name="source"/> when given; ordered by source name.
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> GetEventsAsync(string eventId, string? source, CancellationToken ct);

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

    /// <summary>Makes dead messages pending again, due at <paramref name="now"/>, with a fresh schedule; returns how many.</summary>
    Task<int> ReplayAsync(MessageFilter filter, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Replays a message no mapping could make: its event is marked unprocessed for that rule alone, so the processor runs
    /// the (fixed) mapping again; the dead record is replaced by what that run makes. False when it is no such message.
    /// </summary>
    Task<bool> ReplayMappingAsync(long messageId, CancellationToken ct);
}
