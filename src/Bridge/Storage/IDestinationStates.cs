namespace Bridge.Storage;

/// <summary>
/// The <see cref="DestinationState"/> of each destination, kept where every bridge delivering from the store sees it.
/// Changed only by compare-and-set on <see cref="DestinationState.Version"/>: when two instances decide at once (both
/// saw the 401, both want to send the probe), exactly one change wins and the other decides again on what won.
/// </summary>
/// <remarks>
/// The embedded SQLite store has one owner (its lock file), so its states live in memory and cost no I/O
/// (<see cref="LocalDestinationStates"/>). PostgreSQL keeps them in its <c>destinations</c> table, one row each.
/// </remarks>
public interface IDestinationStates
{
    /// <summary>The state as this instance knows it: an engine shared by several may answer from memory for a short while (<see cref="TrySwapAsync"/> never does).</summary>
    ValueTask<DestinationState> GetAsync(string destination, CancellationToken ct);

    /// <summary>Replaces <paramref name="expected"/> with <paramref name="next"/> unless another change came first.</summary>
    /// <returns>Whether this change won, and the state now in force: <paramref name="next"/> with its new version, or the one that came first.</returns>
    ValueTask<(bool Swapped, DestinationState Current)> TrySwapAsync(string destination, DestinationState expected, DestinationState next, CancellationToken ct);
}
