namespace Bridge.Hosting;

/// <summary>
/// Counts the log lines the bounded console buffer (<see cref="BufferedLogSink"/>) dropped because the console could not
/// keep up. Requests never wait for the log; under overload lines go, events never do. The count is logged once a
/// minute while it grows.
/// </summary>
public sealed class LogDrops
{
    private long _dropped;

    /// <summary>Lines dropped since the start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    internal void Count() => Interlocked.Increment(ref _dropped);
}

/// <summary>Says in the log, once a minute and at shutdown, how many lines the console buffer dropped since it last said so.</summary>
public sealed class LogDropReporter(LogDrops drops, TimeProvider time, ILogger<LogDropReporter> log) : IHostedService, IDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    private ITimer? _timer;
    private long _reported;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(static s => ((LogDropReporter)s!).Report(), this, Period, Period);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Report();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private void Report()
    {
        var total = drops.Dropped;
        var fresh = total - Interlocked.Exchange(ref _reported, total);
        if (fresh > 0)
            log.LogWarning("{Count} log lines were dropped because the console could not keep up ({Total} since start); no event or message was affected", fresh, total);
    }
}
