namespace Bridge.Storage;

/// <summary>Which events to list; null fields do not filter.</summary>
public sealed record EventFilter(string? Action = null, string? Rule = null, EventStatus? Status = null);

/// <summary>Which messages to list or replay; null fields do not filter.</summary>
public sealed record MessageFilter(MessageStatus? Status = null, string? Destination = null, string? Rule = null, string? EventId = null, long? Id = null);

/// <summary>One page of a list, and the cursor for the next (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>What a purge removed.</summary>
public sealed record PurgeResult(int Messages, int Events, int DedupeKeys);

/// <summary>Queue depth: unprocessed events, and messages per destination and status.</summary>
/// <param name="Retrying">Per destination, the pending messages that have had at least one failed attempt.</param>
public sealed record StoreCounts(int UnprocessedEvents, IReadOnlyDictionary<string, IReadOnlyDictionary<MessageStatus, int>> Messages,
    IReadOnlyDictionary<string, int> Retrying);
