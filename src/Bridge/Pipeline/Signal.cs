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

    /// <summary>Completes when set or once <paramref name="time"/>'s clock reaches <paramref name="until"/>, whichever comes first.</summary>
    public async Task WaitAsync(DateTimeOffset until, TimeProvider time, CancellationToken ct)
    {
        if (_channel.Reader.TryRead(out _)) return;
        var timeout = until - time.GetUtcNow();
        if (timeout <= TimeSpan.Zero) return;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var read = _channel.Reader.WaitToReadAsync(linked.Token).AsTask();
        var delay = Task.Delay(timeout, time, linked.Token);
        // The clock may have moved between reading it and arming the timer, which then counts from the later time:
        // a clock already at the deadline (a test that advanced a fake clock just then) does not wait for that timer.
        if (time.GetUtcNow() >= until) delay = Task.CompletedTask;
        await Task.WhenAny(read, delay);
        await linked.CancelAsync();
        ct.ThrowIfCancellationRequested();
        _channel.Reader.TryRead(out _);
    }
}
