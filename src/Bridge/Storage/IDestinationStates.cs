using Bridge.Configuration;

namespace Bridge.Storage;

/// <summary>
/// The <see cref="DestinationState"/> of each destination, and its token bucket (<see cref="PaceBucket"/>), kept where
/// every bridge delivering from the store sees them. A state is changed only by compare-and-set on
/// <see cref="DestinationState.Version"/>: when two instances decide at once (both saw the 401, both want to send the
/// probe), exactly one change wins and the other decides again on what won. The bucket is changed apart from the state
/// (taking tokens is no decision to compare), one change at a time.
/// </summary>
/// <remarks>
/// The embedded SQLite store has one owner (its lock file), so its states and buckets live in memory and cost no I/O
/// (<see cref="LocalDestinationStates"/>). PostgreSQL keeps them in its <c>destinations</c> table, one row each.
/// </remarks>
public interface IDestinationStates
{
    /// <summary>The state as this instance knows it: an engine shared by several may answer from memory for a short while (<see cref="TrySwapAsync"/> never does).</summary>
    ValueTask<DestinationState> GetAsync(string destination, CancellationToken ct);

    /// <summary>Replaces <paramref name="expected"/> with <paramref name="next"/> unless another change came first.</summary>
    /// <returns>Whether this change won, and the state now in force: <paramref name="next"/> with its new version, or the one that came first.</returns>
    ValueTask<(bool Swapped, DestinationState Current)> TrySwapAsync(string destination, DestinationState expected, DestinationState next, CancellationToken ct);

    /// <summary>
    /// Applies <paramref name="change"/> to the destination's bucket, with no other change in between (of two instances
    /// taking tokens at once, each takes from what the other left). A bucket nobody used yet starts full.
    /// </summary>
    /// <param name="now">The caller's now; <paramref name="change"/> is given the keeper's (the database's clock on a shared
    /// engine), and a time it computes from the caller's must be moved by the difference.</param>
    /// <param name="change">The bucket and the keeper's now to the bucket after; it may run more than once, so it is pure.</param>
    /// <returns>The bucket before and after, in the caller's time.</returns>
    ValueTask<(PaceBucket Before, PaceBucket After)> PaceAsync(string destination, PaceConfig rate, DateTimeOffset now,
        Func<PaceBucket, DateTimeOffset, PaceBucket> change, CancellationToken ct);
}
