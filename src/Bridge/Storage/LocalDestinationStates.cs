using Bridge.Configuration;

namespace Bridge.Storage;

/// <summary>
/// Destination states and buckets in this process's memory, for the embedded store: one process owns the file, so nobody
/// else needs to see them, and a look or a change costs a lock. After a restart every destination starts healthy with a
/// full bucket, and its first answer tells again.
/// </summary>
public sealed class LocalDestinationStates : IDestinationStates
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DestinationState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PaceBucket> _buckets = new(StringComparer.Ordinal);

    public ValueTask<DestinationState> GetAsync(string destination, CancellationToken ct)
    {
        lock (_gate) return ValueTask.FromResult(_states.GetValueOrDefault(destination) ?? DestinationState.Healthy);
    }

    public ValueTask<(bool Swapped, DestinationState Current)> TrySwapAsync(string destination, DestinationState expected, DestinationState next, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(next);
        lock (_gate)
        {
            var current = _states.GetValueOrDefault(destination) ?? DestinationState.Healthy;
            if (current.Version != expected.Version) return ValueTask.FromResult((false, current));
            var swapped = next with { Version = current.Version + 1 };
            _states[destination] = swapped;
            return ValueTask.FromResult((true, swapped));
        }
    }

    public ValueTask<(PaceBucket Before, PaceBucket After)> PaceAsync(string destination, PaceConfig rate, DateTimeOffset now,
        Func<PaceBucket, DateTimeOffset, PaceBucket> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            var before = _buckets.GetValueOrDefault(destination) ?? PaceBucket.Full(rate, now);
            var after = change(before, now);
            _buckets[destination] = after;
            return ValueTask.FromResult((before, after));
        }
    }
}
