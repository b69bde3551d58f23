namespace Bridge.Configuration;

/// <summary>
/// A rule's <c>throttle</c>: at most <see cref="Max"/> of its events per <see cref="Per"/> (for each value of the
/// <see cref="By"/> fields) are sent one by one; the others are counted and folded into one digest when the period ends.
/// </summary>
/// <param name="Max">Events sent one by one in each period.</param>
/// <param name="Per">The period's length. Periods are aligned to the clock (a 10 min period runs 10:00-10:10, 10:10-10:20…), so every instance on a shared store counts into the same one.</param>
/// <param name="By">The event fields whose values are throttled apart (<c>user.username</c>…); empty: one throttle for the whole rule.</param>
public sealed record ThrottleConfig(int Max, TimeSpan Per, IReadOnlyList<string> By)
{
    public IReadOnlyList<string> By { get; init => field = ValueList.Of(value); } = ValueList.Of(By);

    /// <summary>The shortest period: shorter ones would make a digest nearly as often as the events they hold.</summary>
    public static readonly TimeSpan MinPer = TimeSpan.FromSeconds(10);

    /// <summary>The longest period: a digest a day at most late, and a held event kept from the purge no longer than that.</summary>
    public static readonly TimeSpan MaxPer = TimeSpan.FromDays(1);

    /// <summary>The YAML keys of <c>throttle</c>, in the order they are documented.</summary>
    public static readonly IReadOnlyList<string> Keys = ["max", "per", "by"];
}
