using Bridge.Configuration;

namespace Bridge.Storage;

/// <summary>
/// One destination's token bucket (<see cref="DestinationConfig.Rate"/>) as its keeper holds it, and its arithmetic: pure
/// functions of the times they are given, so memory (one bridge) and a database row (several, taking from one bucket)
/// keep the same value and change it the same way. <see cref="Tokens"/> were left at <see cref="At"/>; each 42901 in a row
/// (<see cref="TimesSlowed"/>) doubles the time a token takes until the bucket is full again; <see cref="SlowedAt"/> is when
/// the last one came. Not System.Threading.RateLimiting's TokenBucketRateLimiter: that one reads the real clock
/// (dotnet/runtime#106447) and keeps its state in its own memory, while this one must run on the delivery worker's
/// <see cref="TimeProvider"/> (or the database's clock) and live in a shared row.
/// </summary>
public sealed record PaceBucket(double Tokens, DateTimeOffset At, int TimesSlowed, DateTimeOffset SlowedAt)
{
    /// <summary>Each 42901 doubles the time a token takes, at most this many times (5 s becomes 80 s at ntfy's default).</summary>
    public const int MaxSlowdown = 4;

    /// <summary>
    /// What a sum of refills may lack of a whole token through floating point alone (a refill to <see cref="NextAt"/>'s
    /// time always finds the token), far below a tick of any pace.
    /// </summary>
    private const double Rounding = 1e-9;

    /// <summary>
    /// A bucket nobody took from yet: full (after a restart in a storm ntfy's may not be; its 42901 then empties this one).
    /// </summary>
    public static PaceBucket Full(PaceConfig rate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rate);
        return new(rate.Burst, now, 0, DateTimeOffset.MinValue);
    }

    /// <summary>The whole tokens there are (sends that may start).</summary>
    public int Whole => (int)Math.Floor(Tokens + Rounding);

    /// <summary>The time one token takes now: the configured pace, doubled per 42901 in a row.</summary>
    public TimeSpan Per(PaceConfig rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        return TimeSpan.FromTicks(rate.Per.Ticks << TimesSlowed);
    }

    /// <summary>The bucket at <paramref name="now"/>: refilled since <see cref="At"/>, at most full (a reload to a smaller burst keeps what fits).</summary>
    public PaceBucket Refill(DateTimeOffset now, PaceConfig rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        var tokens = Math.Min(rate.Burst, Tokens);
        if (now > At) tokens = Math.Min(rate.Burst, tokens + (double)(now - At).Ticks / Per(rate).Ticks);
        // Full at the slowed pace: ntfy's bucket, which refills at least as fast, is full too; the configured pace returns.
        var slowdown = tokens >= rate.Burst ? 0 : TimesSlowed;
        return this with { Tokens = tokens, At = now > At ? now : At, TimesSlowed = slowdown };
    }

    /// <summary>Takes up to <paramref name="wanted"/> whole tokens at <paramref name="now"/>.</summary>
    /// <returns>The bucket after, and how many were taken (0 when it is empty: <see cref="NextAt"/> says when one comes).</returns>
    public (PaceBucket Bucket, int Taken) Take(DateTimeOffset now, PaceConfig rate, int wanted)
    {
        var refilled = Refill(now, rate);
        var taken = Math.Clamp(refilled.Whole, 0, Math.Max(0, wanted));
        return (refilled with { Tokens = Math.Max(0, refilled.Tokens - taken) }, taken);
    }

    /// <summary>Gives back <paramref name="tokens"/> taken and not used (fewer messages were due than tokens taken).</summary>
    public PaceBucket GiveBack(DateTimeOffset now, PaceConfig rate, int tokens)
    {
        var refilled = Refill(now, rate);
        return refilled with { Tokens = Math.Min(rate.Burst, refilled.Tokens + Math.Max(0, tokens)) };
    }

    /// <summary>When the next whole token is there, for a bucket refilled to its <see cref="At"/>; null when one is there now.</summary>
    /// <remarks>On the microsecond, as PostgreSQL keeps times, so a wake at this time finds the token in a row as in memory.</remarks>
    public DateTimeOffset? NextAt(PaceConfig rate)
    {
        if (Whole > 0) return null;
        var micros = Math.Ceiling((1 - Tokens) * Per(rate).Ticks / TimeSpan.TicksPerMicrosecond - Rounding);
        return At + TimeSpan.FromTicks((long)micros * TimeSpan.TicksPerMicrosecond);
    }

    /// <summary>
    /// ntfy answered 42901: its bucket for this client is empty, so this one is emptied too and refills more slowly
    /// (something else shares the client's limit, or ntfy's is smaller than configured).
    /// </summary>
    /// <param name="rate">Null for an unpaced destination: only the count of 42901s in a row is kept.</param>
    /// <param name="sent">When the refused send started: one started no later than the last slow-down is its echo (sends
    /// under way together meet the same empty bucket), which empties the bucket again but slows it no further.</param>
    public PaceBucket SlowDown(DateTimeOffset now, PaceConfig? rate, DateTimeOffset sent)
    {
        var refilled = rate is null ? this : Refill(now, rate);
        return sent > refilled.SlowedAt
            ? refilled with { Tokens = 0, TimesSlowed = Math.Min(MaxSlowdown, refilled.TimesSlowed + 1), SlowedAt = now }
            : refilled with { Tokens = 0 };
    }
}
