using Bridge.Storage;

namespace Bridge.Tests.Support;

/// <summary>A store that hands every call to another; tests override the calls they observe or break.</summary>
public class ForwardingStore(IBridgeStore inner) : IBridgeStore
{
    protected IBridgeStore Inner { get; } = inner;

    public virtual string? LastCommitFailure => Inner.LastCommitFailure;

    public virtual Task OpenAsync(CancellationToken ct) => Inner.OpenAsync(ct);

    public virtual Task<AcceptResult> AcceptEventAsync(NewEvent e, CancellationToken ct) => Inner.AcceptEventAsync(e, ct);

    public virtual Task<IReadOnlyList<StoredEvent>> GetUnprocessedEventsAsync(long afterSeq, int limit, CancellationToken ct) => Inner.GetUnprocessedEventsAsync(afterSeq, limit, ct);

    public virtual Task CompleteEventAsync(long eventSeq, IReadOnlyList<NewMessage> messages, IReadOnlyList<MappingRunLog> mappingLog, DateTimeOffset at, CancellationToken ct) =>
        Inner.CompleteEventAsync(eventSeq, messages, mappingLog, at, ct);

    public virtual Task<IReadOnlyList<StoredMessage>> ClaimDueMessagesAsync(string destination, DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct) => Inner.ClaimDueMessagesAsync(destination, now, limit, lease, ct);

    public virtual Task<DateTimeOffset?> GetNextDueAsync(string destination, CancellationToken ct) => Inner.GetNextDueAsync(destination, ct);

    public virtual Task RecordAttemptAsync(AttemptRecord attempt, MessageUpdate update, CancellationToken ct) => Inner.RecordAttemptAsync(attempt, update, ct);

    public virtual Task ReleaseClaimsAsync(IReadOnlyList<long> messageIds, CancellationToken ct) => Inner.ReleaseClaimsAsync(messageIds, ct);

    public virtual Task<int> ExpireAsync(string destination, DateTimeOffset createdBefore, DateTimeOffset now, string reason, CancellationToken ct) => Inner.ExpireAsync(destination, createdBefore, now, reason, ct);

    public virtual Task<int> ReplayAsync(MessageFilter filter, DateTimeOffset now, CancellationToken ct) => Inner.ReplayAsync(filter, now, ct);

    public virtual Task<bool> ReplayMappingAsync(long messageId, CancellationToken ct) => Inner.ReplayMappingAsync(messageId, ct);

    public virtual Task<PurgeResult> PurgeAsync(DateTimeOffset before, DateTimeOffset now, CancellationToken ct) => Inner.PurgeAsync(before, now, ct);

    public virtual Task<Page<StoredEvent>> ListEventsAsync(EventFilter filter, string? cursor, int limit, CancellationToken ct) => Inner.ListEventsAsync(filter, cursor, limit, ct);

    public virtual Task<StoredEvent?> GetEventAsync(string eventId, CancellationToken ct) => Inner.GetEventAsync(eventId, ct);

    public virtual Task<Page<StoredMessage>> ListMessagesAsync(MessageFilter filter, string? cursor, int limit, CancellationToken ct) => Inner.ListMessagesAsync(filter, cursor, limit, ct);

    public virtual Task<IReadOnlyList<StoredMessage>> GetMessagesOfEventAsync(long eventSeq, CancellationToken ct) => Inner.GetMessagesOfEventAsync(eventSeq, ct);

    public virtual Task<StoredMessage?> GetMessageAsync(long id, CancellationToken ct) => Inner.GetMessageAsync(id, ct);

    public virtual Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(long messageId, CancellationToken ct) => Inner.GetAttemptsAsync(messageId, ct);

    public virtual Task<StoreCounts> CountAsync(CancellationToken ct) => Inner.CountAsync(ct);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return Inner.DisposeAsync();
    }
}
