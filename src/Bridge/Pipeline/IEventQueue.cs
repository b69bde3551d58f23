using Bridge.Storage;

namespace Bridge.Pipeline;

/// <summary>
/// Events accepted but not yet mapped. Accepting commits the event to the store first: the answer says whether it is
/// safely taken, a duplicate, or could not be stored (the sender must retry). The processor reads events in arrival
/// order, in batches, starting with any a previous process committed and never processed.
/// </summary>
public interface IEventQueue
{
    ValueTask<AcceptResult> AcceptAsync(AcceptedEvent accepted, CancellationToken ct);

    /// <summary>Up to <paramref name="max"/> events not read before, oldest first; empty when none is waiting.</summary>
    Task<IReadOnlyList<PendingEvent>> ReadAsync(int max, CancellationToken ct);

    /// <summary>Completes when events may have arrived since the last <see cref="ReadAsync"/> came back short.</summary>
    Task WaitAsync(CancellationToken ct);
}
