using System.Threading.Channels;

namespace Bridge.Pipeline;

/// <summary>A bounded in-process queue: producers never wait; a full queue refuses, and the sender retries.</summary>
public sealed class InMemoryEventQueue : IEventQueue
{
    /// <summary>Room for bursts far larger than Authentik produces, small enough that a stuck processor is noticed.</summary>
    public const int Capacity = 10_000;

    private readonly Channel<AcceptedEvent> _channel = Channel.CreateBounded<AcceptedEvent>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public int Pending => _channel.Reader.Count;

    public ValueTask<bool> TryAcceptAsync(AcceptedEvent accepted, CancellationToken ct) =>
        ValueTask.FromResult(_channel.Writer.TryWrite(accepted));

    public IAsyncEnumerable<AcceptedEvent> ReadAllAsync(CancellationToken ct) => _channel.Reader.ReadAllAsync(ct);
}
