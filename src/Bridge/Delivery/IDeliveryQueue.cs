namespace Bridge.Delivery;

/// <summary>Messages waiting for delivery; in memory until the durable store takes this role.</summary>
public interface IDeliveryQueue
{
    void Enqueue(OutboundMessage message);

    IAsyncEnumerable<OutboundMessage> ReadAllAsync(CancellationToken ct);

    int Pending { get; }
}
