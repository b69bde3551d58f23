using System.Threading.Channels;

namespace Bridge.Delivery;

/// <summary>
/// Unbounded because its producer is the event processor, which is itself fed by a bounded queue: the bound on
/// accepted events is the bound on messages.
/// </summary>
public sealed class InMemoryDeliveryQueue : IDeliveryQueue
{
    // Not SingleReader: that variant cannot count its items, and Pending is reported at shutdown.
    private readonly Channel<OutboundMessage> _channel = Channel.CreateUnbounded<OutboundMessage>();

    public int Pending => _channel.Reader.Count;

    public void Enqueue(OutboundMessage message) => _channel.Writer.TryWrite(message);

    public IAsyncEnumerable<OutboundMessage> ReadAllAsync(CancellationToken ct) => _channel.Reader.ReadAllAsync(ct);
}
