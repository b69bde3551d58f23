using System.Collections.Concurrent;
using Bridge.Configuration;

namespace Bridge.Delivery;

/// <summary>
/// One sender per destination configuration, made on first use. Keyed by the whole record, so a reload that changes
/// a destination's URL, token or timeout gets a fresh client while unchanged ones keep their connections.
/// </summary>
public sealed class DestinationSenders(TimeProvider time, ILoggerFactory loggers) : IDisposable
{
    private readonly ConcurrentDictionary<DestinationConfig, IMessageSender> _senders = new();

    public IMessageSender For(DestinationConfig destination) =>
        _senders.GetOrAdd(destination, d => d.IsDryRun
            ? new DryRunSender(loggers.CreateLogger<DryRunSender>())
            : new NtfyClient(d, time, loggers.CreateLogger<NtfyClient>()));

    public void Dispose()
    {
        foreach (var sender in _senders.Values) (sender as IDisposable)?.Dispose();
    }
}
