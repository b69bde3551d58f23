using Bridge.Configuration;

namespace Bridge.Delivery;

/// <summary>
/// One sender per destination, made on first use and kept while the destination's configuration stays equal (config
/// records compare by value), so a reload that leaves a destination alone keeps its client and connections. A
/// destination whose configuration changed or went away gets its sender retired at the reload: disposed at once when
/// idle, otherwise when its last send finishes, so no send is cut off and no client is leaked.
/// </summary>
public sealed class DestinationSenders : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly LiveRuntime _live;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _current = new(StringComparer.Ordinal);

    public DestinationSenders(TimeProvider time, ILoggerFactory loggers, LiveRuntime live)
    {
        _time = time;
        _loggers = loggers;
        _live = live;
        live.Replaced += RetireChanged;
    }

    /// <summary>Sends one message with the sender for <paramref name="destination"/>, as configured.</summary>
    public async Task<DeliveryOutcome> SendAsync(DestinationConfig destination, OutboundMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var entry = Lease(destination);
        try
        {
            return await entry.Sender.SendAsync(message, ct);
        }
        finally
        {
            Release(entry);
        }
    }

    public void Dispose()
    {
        _live.Replaced -= RetireChanged;
        List<Entry> entries;
        lock (_gate)
        {
            entries = [.. _current.Values];
            _current.Clear();
        }
        foreach (var entry in entries) entry.Dispose();
    }

    private Entry Lease(DestinationConfig destination)
    {
        Entry? idle = null;
        Entry entry;
        lock (_gate)
        {
            if (_current.TryGetValue(destination.Name, out var kept) && kept.Config == destination)
            {
                entry = kept;
            }
            else
            {
                entry = new Entry(destination, Create(destination));
                if (kept is not null && _live.Current.Config.Destinations.GetValueOrDefault(destination.Name) == kept.Config)
                {
                    // A send claimed under the configuration before a reload: a sender of its own, disposed after it.
                    entry.Retired = true;
                }
                else
                {
                    if (kept is not null && Retire(kept)) idle = kept;
                    _current[destination.Name] = entry;
                }
            }
            entry.InUse++;
        }
        idle?.Dispose();
        return entry;
    }

    private void Release(Entry entry)
    {
        bool dispose;
        lock (_gate)
        {
            entry.InUse--;
            dispose = entry.Retired && entry.InUse == 0;
        }
        if (dispose) entry.Dispose();
    }

    /// <summary>After a reload: senders whose destination changed or is gone are retired; the rest are kept as they are.</summary>
    private void RetireChanged()
    {
        var destinations = _live.Current.Config.Destinations;
        var idle = new List<Entry>();
        lock (_gate)
        {
            foreach (var (name, entry) in _current.ToList())
            {
                if (destinations.TryGetValue(name, out var now) && now == entry.Config) continue;
                _current.Remove(name);
                if (Retire(entry)) idle.Add(entry);
            }
        }
        foreach (var entry in idle) entry.Dispose();
    }

    /// <summary>Marks an entry retired (under the lock); true when no send uses it, so the caller disposes it now.</summary>
    private static bool Retire(Entry entry)
    {
        entry.Retired = true;
        return entry.InUse == 0;
    }

    private IMessageSender Create(DestinationConfig d) => d.IsDryRun
        ? new DryRunSender(_loggers.CreateLogger<DryRunSender>())
        : new NtfyClient(d, _time, _loggers.CreateLogger<NtfyClient>());

    private sealed class Entry(DestinationConfig config, IMessageSender sender)
    {
        public DestinationConfig Config { get; } = config;
        public IMessageSender Sender { get; } = sender;

        /// <summary>Sends under way with this sender; guarded by the owner's lock.</summary>
        public int InUse { get; set; }

        /// <summary>No longer handed out; disposed once <see cref="InUse"/> is 0.</summary>
        public bool Retired { get; set; }

        public void Dispose() => (Sender as IDisposable)?.Dispose();
    }
}
