using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace Bridge.Tests.Support;

/// <summary>Collects the bridge's log events so tests can wait for an outcome the bridge reports, and grep for secrets.</summary>
public sealed class TestLogSink : ILogEventSink
{
    private readonly List<LogEvent> _events = [];
    private readonly List<(Func<LogEvent, bool> Predicate, TaskCompletionSource<LogEvent> Done)> _waiters = [];
    private readonly Lock _gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _events.Add(logEvent);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Predicate(logEvent)) continue;
                _waiters[i].Done.TrySetResult(logEvent);
                _waiters.RemoveAt(i);
            }
        }
    }

    public IReadOnlyList<LogEvent> Events
    {
        get { lock (_gate) return [.. _events]; }
    }

    /// <summary>Resolves with the first event (already logged or still to come) that satisfies <paramref name="predicate"/>.</summary>
    public Task<LogEvent> WaitForAsync(Func<LogEvent, bool> predicate, TimeSpan? within = null) => WaitFromAsync(0, predicate, within);

    /// <summary>The latest event that satisfies <paramref name="predicate"/>, without copying the log (a clock loop asks often).</summary>
    public LogEvent? Last(Func<LogEvent, bool> predicate)
    {
        lock (_gate)
        {
            for (var i = _events.Count - 1; i >= 0; i--)
                if (predicate(_events[i])) return _events[i];
        }
        return null;
    }

    /// <summary>The first event from position <paramref name="from"/> on (already logged or still to come) that satisfies <paramref name="predicate"/>.</summary>
    private async Task<LogEvent> WaitFromAsync(int from, Func<LogEvent, bool> predicate, TimeSpan? within)
    {
        var done = new TaskCompletionSource<LogEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            for (var i = from; i < _events.Count; i++)
                if (predicate(_events[i])) return _events[i];
            _waiters.Add((predicate, done));
        }
        try
        {
            return await done.Task.WaitAsync(within ?? TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("no matching log event; the log was:\n" + AllText());
        }
    }

    /// <summary>Resolves once <paramref name="count"/> events (already logged or still to come) satisfy <paramref name="predicate"/>.</summary>
    public async Task WaitForCountAsync(Func<LogEvent, bool> predicate, int count, TimeSpan? within = null)
    {
        var seen = 0;
        await WaitForAsync(e => predicate(e) && Interlocked.Increment(ref seen) >= count, within);
    }

    /// <summary>Resolves with the next event satisfying <paramref name="predicate"/> that is logged after this call.</summary>
    public Task<LogEvent> WaitForNextAsync(Func<LogEvent, bool> predicate, TimeSpan? within = null)
    {
        int from;
        lock (_gate) from = _events.Count;
        return WaitFromAsync(from, predicate, within);
    }

    public Task<LogEvent> WaitForMessageAsync(string containing, TimeSpan? within = null) =>
        WaitForAsync(e => e.RenderMessage().Contains(containing, StringComparison.Ordinal), within);

    /// <summary>Every event rendered with all its properties and exception: what any sink could have written.</summary>
    public string AllText()
    {
        var text = new StringBuilder();
        foreach (var e in Events)
        {
            text.Append(e.Level).Append(' ').AppendLine(e.RenderMessage());
            foreach (var (name, value) in e.Properties) text.Append("  ").Append(name).Append('=').AppendLine(value.ToString());
            if (e.Exception is not null) text.AppendLine(e.Exception.ToString());
        }
        return text.ToString();
    }
}
