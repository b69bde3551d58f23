using System.Threading.Channels;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;

namespace Bridge.Hosting;

/// <summary>
/// The log's buffer in front of the console. Logging only queues the line: the buffer is bounded, and a line beyond it
/// is dropped and counted (<see cref="LogDrops"/>), never waited for. One loop writes whatever has gathered, then lets
/// lines gather for <see cref="Gather"/>, so under load it wakes once per batch rather than once per line (the
/// blocking queue it replaces woke, and spun, for each). Disposing writes what is still queued.
/// </summary>
internal sealed class BufferedLogSink : ILogEventSink, IDisposable
{
    /// <summary>How long lines gather after a batch is written: how much later than its event a line may appear under load.</summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(20);

    private readonly ILogEventSink _target;
    private readonly LogDrops _drops;
    private readonly Channel<LogEvent> _queue;
    private readonly Task _loop;

    public BufferedLogSink(ILogEventSink target, int capacity, LogDrops drops)
    {
        _target = target;
        _drops = drops;
        // Wait mode, so that TryWrite says when the buffer is full (DropWrite would drop without telling).
        _queue = Channel.CreateBounded<LogEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _loop = Task.Run(WriteAsync);
    }

    public void Emit(LogEvent logEvent)
    {
        if (!_queue.Writer.TryWrite(logEvent)) _drops.Count();
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.GetAwaiter().GetResult();
        (_target as IDisposable)?.Dispose();
    }

    private async Task WriteAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var line))
            {
                try
                {
                    _target.Emit(line);
                }
                catch (Exception e)
                {
                    SelfLog.WriteLine("The console could not write a log line: {0}", e);
                }
            }
            // Real time, not the host's clock: this only paces the writes, and a test's fake clock must not hold the log back.
            await Task.Delay(Gather).ConfigureAwait(false);
        }
    }
}
