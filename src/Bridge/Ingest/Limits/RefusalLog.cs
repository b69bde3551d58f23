using System.Net;

namespace Bridge.Ingest.Limits;

/// <summary>
/// Logs refused requests without letting a flood of them flood the log: the first refusal from an address is a line of
/// its own, and further ones are counted and summarised in one line per address and minute. The table is bounded, so
/// refusals from ever new addresses cost no more memory than <see cref="MaxAddresses"/> entries.
/// </summary>
public sealed class RefusalLog : IDisposable
{
    /// <summary>Addresses remembered at once; refusals from others while it is full are summarised together.</summary>
    public const int MaxAddresses = 10_000;

    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    private readonly ILogger<RefusalLog> _log;
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly ITimer _timer;
    private long _overflow;

    public RefusalLog(TimeProvider time, ILogger<RefusalLog> log)
    {
        _log = log;
        _timer = time.CreateTimer(static s => ((RefusalLog)s!).Summarise(), this, Period, Period);
    }

    /// <param name="source">The hook source the request was for, if it named one.</param>
    public void Refused(IPAddress? client, string? source, string reason)
    {
        var address = client is { IsIPv4MappedToIPv6: true } ? client.MapToIPv4().ToString() : client?.ToString() ?? "unknown";
        lock (_windows)
        {
            if (_windows.TryGetValue(address, out var window))
            {
                window.Count++;
                window.Latest = reason;
                return;
            }
            if (_windows.Count >= MaxAddresses)
            {
                _overflow++;
                return;
            }
            _windows[address] = new Window();
        }
        if (source is null) _log.LogWarning("Refused a request from {RemoteIp}: {Reason}; more refusals from this address are summarised once a minute", address, reason);
        else _log.LogWarning("Refused a hook for {Source} from {RemoteIp}: {Reason}; more refusals from this address are summarised once a minute", source, address, reason);
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>
    /// One line per address with refusals since the last tick. An address refused nothing more is forgotten, so its next
    /// refusal is logged in full again; one still refused keeps its window and is summarised again next minute.
    /// </summary>
    private void Summarise()
    {
        List<(string Address, long Count, string Latest)> lines = [];
        long overflow;
        lock (_windows)
        {
            foreach (var (address, window) in _windows)
            {
                if (window.Count == 0) _windows.Remove(address);
                else
                {
                    lines.Add((address, window.Count, window.Latest!));
                    window.Count = 0;
                }
            }
            overflow = _overflow;
            _overflow = 0;
        }
        foreach (var (address, count, latest) in lines)
            _log.LogWarning("Refused {Count} more requests from {RemoteIp} in the last minute; the latest: {Reason}", count, address, latest);
        if (overflow > 0)
            _log.LogWarning("Refused {Count} more requests in the last minute from addresses beyond the {Max} summarised one by one", overflow, MaxAddresses);
    }

    private sealed class Window
    {
        public long Count;
        public string? Latest;
    }
}
