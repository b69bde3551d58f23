using Bridge.Storage;

namespace Bridge.Tests.Support;

/// <summary>An event log that hands every call to another; tests override the calls they observe or break.</summary>
public class ForwardingEventLog(IEventLog inner) : IEventLog
{
    protected IEventLog Inner { get; } = inner;

    public TimeSpan? LookAgainEvery => Inner.LookAgainEvery;

    public virtual Task<AcceptResult> AcceptEventAsync(NewEvent e, CancellationToken ct) => Inner.AcceptEventAsync(e, ct);

    public virtual Task<IReadOnlyList<StoredEvent>> GetUnprocessedEventsAsync(long afterSeq, int limit, CancellationToken ct) => Inner.GetUnprocessedEventsAsync(afterSeq, limit, ct);

    public virtual Task CommitMappedAsync(IReadOnlyList<MappedRule> mapped, DateTimeOffset at, CancellationToken ct) => Inner.CommitMappedAsync(mapped, at, ct);

    public virtual Task<AcceptResult> AcceptMappedAsync(NewEvent e, IReadOnlyList<NewMessage> messages, MappingRunLog? log, CancellationToken ct) =>
        Inner.AcceptMappedAsync(e, messages, log, ct);
}
