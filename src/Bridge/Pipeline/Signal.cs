using System.Threading.Channels;

namespace Bridge.Pipeline;

/// <summary>
/// A wake-up call between a producer and one waiting loop. Setting it while nobody waits is remembered (once), so a
/// notification that lands between a loop's last look and its wait is never lost.
/// </summary>
public sealed class Signal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Set() => _channel.Writer.TryWrite(true);

    /// <summary>Completes when set (at once if it was set since the last wait).</summary>
    public async Task WaitAsync(CancellationToken ct) => await _channel.Reader.ReadAsync(ct);

    /// <summary>Completes when set or after <paramref name="timeout"/> on <paramref name="time"/>'s clock, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        if (_channel.Reader.TryRead(out _)) return;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var read = _channel.Reader.WaitToReadAsync(linked.Token).AsTask();
        var delay = Task.Delay(timeout, time, linked.Token);
        await Task.WhenAny(read, delay);
        await linked.CancelAsync();
        ct.ThrowIfCancellationRequested();
        _channel.Reader.TryRead(out _);
    }
}
