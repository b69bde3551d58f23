using Bridge.Configuration;

namespace Bridge.Storage;

/// <summary>
/// Destination states and buckets in this process's memory, for the embedded store: one process owns the file, so nobody
/// else needs to see them, and a look or a change costs a lock. After a restart every destination starts healthy with a
/// full bucket, and its first answer tells again; only a hold (ntfy's daily quota, a <c>Retry-After</c>) is kept in the
/// store's file too (<see cref="SqliteDestinationHolds"/>), written when it changes, since the first answer after a
/// restart would be the same refusal again.
/// </summary>
public sealed class LocalDestinationStates : IDestinationStates
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DestinationState> _states;
    private readonly Dictionary<string, PaceBucket> _buckets = new(StringComparer.Ordinal);
    private readonly SqliteDestinationHolds? _holds;

    /// <summary>States in memory only.</summary>
    public LocalDestinationStates() => _states = new(StringComparer.Ordinal);

    /// <summary>States in memory, the holds kept in <paramref name="holds"/> and those still in force at <paramref name="now"/> taken back.</summary>
    internal LocalDestinationStates(SqliteDestinationHolds holds, DateTimeOffset now)
    {
        _holds = holds;
        _states = holds.Load(now);
    }

    public ValueTask<DestinationState> GetAsync(string destination, CancellationToken ct)
    {
        lock (_gate) return ValueTask.FromResult(_states.GetValueOrDefault(destination) ?? DestinationState.Healthy);
    }

    public ValueTask<(bool Swapped, DestinationState Current)> TrySwapAsync(string destination, DestinationState expected, DestinationState next, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(next);
        DestinationState swapped;
        lock (_gate)
        {
            var current = _states.GetValueOrDefault(destination) ?? DestinationState.Healthy;
            if (current.Version != expected.Version) return ValueTask.FromResult((false, current));
            swapped = next with { Version = current.Version + 1 };
            _states[destination] = swapped;
        }
        var holdChanged = swapped.HoldUntil != expected.HoldUntil || swapped.HoldReason != expected.HoldReason || swapped.QuotaHold != expected.QuotaHold;
        return _holds is { } holds && holdChanged ? KeepAsync(holds, destination, swapped) : ValueTask.FromResult((true, swapped));
    }

    private static async ValueTask<(bool Swapped, DestinationState Current)> KeepAsync(SqliteDestinationHolds holds, string destination, DestinationState swapped)
    {
        await holds.KeepAsync(destination, swapped);
        return (true, swapped);
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
