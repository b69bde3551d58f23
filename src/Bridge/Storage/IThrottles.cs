namespace Bridge.Storage;

/// <summary>
/// The periods of throttled rules (<c>throttle</c>): one row per rule, value of its <c>by</c> fields and period, counting
/// the events passed and held. The pass/hold decision is taken on that row in the commit of the event's rule
/// (<see cref="MappedRule.Throttle"/>, <see cref="IEventLog.CommitMappedAsync"/>); this part makes the digests of the
/// periods that ended with events held.
/// </summary>
/// <remarks>Writes are durable when their task completes; a write the store cannot commit fails with <see cref="StoreUnavailableException"/>.</remarks>
public interface IThrottles
{
    /// <summary>
    /// Takes the periods ended by <paramref name="now"/> with events held, and commits for each, in one transaction, the
    /// messages <paramref name="make"/> returns for it (under the period's latest held event) and the period's removal; the
    /// periods that ended with nothing held are removed. A shared store hands each period to one caller only.
    /// </summary>
    /// <returns>The digests committed.</returns>
    Task<IReadOnlyList<DueDigest>> SendDueAsync(DateTimeOffset now, Func<DueDigest, IReadOnlyList<NewMessage>> make, CancellationToken ct);
}

/// <summary>A period of a throttle that ended with events held, as the store kept it.</summary>
/// <param name="Key">The values of the throttle's <c>by</c> fields.</param>
/// <param name="Passed">Events sent one by one in the period.</param>
/// <param name="Held">Events held: the digest's count.</param>
/// <param name="LastEvent">The latest event held, as stored (the purge keeps it while its period waits); null if it is gone all the same.</param>
public sealed record DueDigest(string Rule, IReadOnlyList<string?> Key, DateTimeOffset From, DateTimeOffset Until, int Max, long Passed, long Held,
    Throttles.ThrottleState State, StoredEvent? LastEvent);
