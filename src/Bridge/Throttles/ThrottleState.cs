using Bridge.Incidents;

namespace Bridge.Throttles;

/// <summary>
/// What a throttle's period keeps of its held events for the digest: when the first and the latest were held, the
/// distinct values of the tracked fields and a few samples, in the shapes an incident keeps them (<c>ctx.group</c>).
/// Kept as JSON in the period's row and replaced, under the row's lock, by each event held.
/// </summary>
public sealed record ThrottleState(DateTimeOffset FirstHeldAt, DateTimeOffset LastHeldAt, IReadOnlyList<IncidentValues> Values, IReadOnlyList<IncidentSample> Samples)
{
    /// <summary>The state after <paramref name="claim"/>'s event was held at <paramref name="now"/> (<paramref name="state"/>: null for the first held).</summary>
    public static ThrottleState Hold(ThrottleState? state, ThrottleClaim claim, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return new ThrottleState(state?.FirstHeldAt ?? now, now, IncidentLogic.WithValues(state?.Values ?? [], claim.Config.By, claim.Event),
            IncidentLogic.WithSample(state?.Samples ?? [], claim.Event, now));
    }
}
