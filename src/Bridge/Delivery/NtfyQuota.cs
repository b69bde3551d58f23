namespace Bridge.Delivery;

/// <summary>
/// When ntfy's daily message quota (42908) is given back: ntfy resets every visitor's message count once a day at 00:00
/// UTC (its <c>runStatsResetter</c>, at <c>VisitorStatsResetTime</c>, which no server option changes).
/// </summary>
public static class NtfyQuota
{
    /// <summary>Sends resume this long after midnight, so a server clock a little behind the bridge's has reset by then.</summary>
    public static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(1);

    /// <summary>A 42908 this soon after midnight may come from a server whose clock has not reached it: try again shortly instead of in a day.</summary>
    public static readonly TimeSpan JustAfterReset = TimeSpan.FromMinutes(10);

    /// <summary>Until when a destination whose quota is used up at <paramref name="now"/> is held.</summary>
    public static DateTimeOffset HoldUntil(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var midnight = new DateTimeOffset(utc.Date, TimeSpan.Zero);
        return utc - midnight < JustAfterReset ? utc + ClockMargin : midnight.AddDays(1) + ClockMargin;
    }
}
