using Bridge.Configuration;

namespace Bridge.Delivery;

/// <summary>When a message's next attempt falls due: pure arithmetic on the persisted schedule, so it is tested without a clock.</summary>
public static class RetrySchedule
{
    /// <summary>A server's <c>Retry-After</c> is honoured up to this; beyond it the schedule decides.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// When attempt <paramref name="attemptsUsed"/> + 1 is due, <paramref name="attemptsUsed"/> having failed just now;
    /// null when the schedule is used up.
    /// </summary>
    /// <param name="random">A number in [0, 1) that places the jitter.</param>
    public static DateTimeOffset? Next(RetryConfig retry, int attemptsUsed, DateTimeOffset now, TimeSpan? retryAfter, double random)
    {
        ArgumentNullException.ThrowIfNull(retry);
        if (attemptsUsed >= retry.Schedule.Count) return null;
        var wait = Jittered(retry.Schedule[attemptsUsed], retry.Jitter, random);
        if (retryAfter is { } asked)
        {
            var bounded = asked < MaxRetryAfter ? asked : MaxRetryAfter;
            if (bounded > wait) wait = bounded;
        }
        return now + wait;
    }

    /// <summary><paramref name="wait"/> varied by up to ±<paramref name="jitter"/> of itself.</summary>
    public static TimeSpan Jittered(TimeSpan wait, double jitter, double random) =>
        TimeSpan.FromTicks((long)(wait.Ticks * (1 + jitter * (2 * random - 1))));

    /// <summary>
    /// How long a destination is left alone because the server sent <c>Retry-After</c> (bounded). A 429 without one (ntfy
    /// sends none) is not held here: the destination's pace slows instead (<see cref="DestinationPace"/>).
    /// </summary>
    public static TimeSpan Hold(TimeSpan? retryAfter) =>
        retryAfter is { } r ? (r < MaxRetryAfter ? r : MaxRetryAfter) : TimeSpan.Zero;
}
