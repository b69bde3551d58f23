namespace Bridge.Pipeline;

/// <summary>
/// Events accepted but not yet mapped. The in-memory queue lives here until the durable store replaces it;
/// the shape stays: accept returns whether the event is safely taken, and a reader drains it in order.
/// </summary>
public interface IEventQueue
{
    /// <returns>False when the queue cannot take the event now (full or shutting down); the sender should retry.</returns>
    ValueTask<bool> TryAcceptAsync(AcceptedEvent accepted, CancellationToken ct);

    IAsyncEnumerable<AcceptedEvent> ReadAllAsync(CancellationToken ct);

    /// <summary>Events accepted and not yet taken by the processor.</summary>
    int Pending { get; }
}
