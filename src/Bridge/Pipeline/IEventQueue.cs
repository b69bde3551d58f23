using Bridge.Storage;

namespace Bridge.Pipeline;

/// <summary>
/// Events accepted but not yet mapped. Accepting commits the event to the store first: the answer says whether it is
/// safely taken, a duplicate, or could not be stored (the sender must retry). A reader drains events in arrival order,
/// starting with any a previous process committed and never processed.
/// </summary>
public interface IEventQueue
{
    ValueTask<AcceptResult> AcceptAsync(AcceptedEvent accepted, CancellationToken ct);

    IAsyncEnumerable<PendingEvent> ReadAllAsync(CancellationToken ct);
}
