using Bridge.Configuration;

namespace Bridge.Delivery;

/// <summary>
/// The token bucket one destination's sends wait for (<see cref="DestinationConfig.Rate"/>), and how ntfy's "too many
/// requests" (42901) slowed it. Pure arithmetic on the times it is given, in whole ticks, so a wake at
/// <see cref="Available"/>'s time always finds the token (a fake clock set to it included). Not
/// System.Threading.RateLimiting's TokenBucketRateLimiter: that one reads the real clock (dotnet/runtime#106447), and a
/// bucket the delivery worker waits on must run on its injected <see cref="TimeProvider"/>. Thread-safe.
/// </summary>
public sealed class DestinationPace
{
    /// <summary>Each 42901 doubles the time a token takes, at most this many times (5 s becomes 80 s at ntfy's default).</summary>
    public const int MaxSlowdown = 4;

    /// <summary>
    /// An unpaced destination (<c>rate: none</c>) that gets a 42901 anyway is left alone this long, doubled per 42901 in a
    /// row up to <see cref="MaxUnpacedHold"/>: ntfy's default refill of one request.
    /// </summary>
    public static readonly TimeSpan UnpacedHold = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan MaxUnpacedHold = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private PaceConfig? _rate;
    private long _credit;
    private DateTimeOffset _at;
    private int _slowdown;
    private DateTimeOffset _slowedAt = DateTimeOffset.MinValue;

    /// <summary>How many times in a row ntfy said 42901 since the pace last recovered (0: the configured pace).</summary>
    public int TimesSlowed
    {
        get { lock (_gate) return _slowdown; }
    }

    /// <summary>Whether due messages wait for a token now (set by the worker when it finds the bucket empty with messages due).</summary>
    public bool Waiting { get; set; }

    /// <summary>Sends that may start now, and when the next token comes when none may; every send there is for an unpaced destination.</summary>
    public (int Tokens, DateTimeOffset? NextAt) Available(DateTimeOffset now, PaceConfig? rate)
    {
        if (rate is null) return (int.MaxValue, null);
        lock (_gate)
        {
            Refill(now, rate);
            var cost = Cost(rate);
            var tokens = (int)(_credit / cost);
            return tokens > 0 ? (tokens, null) : (0, now + TimeSpan.FromTicks(cost - _credit));
        }
    }

    /// <summary>Spends <paramref name="sends"/> tokens (sends started after <see cref="Available"/> allowed them).</summary>
    public void Take(int sends, PaceConfig? rate)
    {
        if (rate is null || sends == 0) return;
        lock (_gate) _credit = Math.Max(0, _credit - sends * Cost(rate));
    }

    /// <summary>
    /// ntfy answered 42901: its bucket for this client is empty, so this one is emptied too and refills more slowly
    /// (something else shares the client's limit, or ntfy's is smaller than configured).
    /// </summary>
    /// <param name="sent">When the refused send started: one started no later than the last slow-down is its echo (sends
    /// under way together meet the same empty bucket), which empties the bucket again but slows it no further.</param>
    /// <returns>How long an unpaced destination is left alone; zero for a paced one, whose empty bucket is its wait.</returns>
    public TimeSpan SlowDown(DateTimeOffset now, PaceConfig? rate, DateTimeOffset sent)
    {
        lock (_gate)
        {
            if (rate is not null) Refill(now, rate);
            var previous = _slowdown;
            if (sent > _slowedAt)
            {
                if (_slowdown < MaxSlowdown) _slowdown++;
                _slowedAt = now;
            }
            else if (previous > 0) previous--;
            _credit = 0;
            if (rate is not null) return TimeSpan.Zero;
            var hold = UnpacedHold * (1 << previous);
            return hold < MaxUnpacedHold ? hold : MaxUnpacedHold;
        }
    }

    /// <summary>A send got through: an unpaced destination's 42901 streak ends (a paced one recovers once its bucket is full).</summary>
    public void Succeeded(PaceConfig? rate)
    {
        if (rate is not null) return;
        lock (_gate) _slowdown = 0;
    }

    /// <summary>The tokens there are now and the time one takes, for status; null for an unpaced destination.</summary>
    public (int Tokens, TimeSpan Per)? Describe(DateTimeOffset now, PaceConfig? rate)
    {
        if (rate is null) return null;
        lock (_gate)
        {
            Refill(now, rate);
            var cost = Cost(rate);
            return ((int)(_credit / cost), TimeSpan.FromTicks(cost));
        }
    }

    private long Cost(PaceConfig rate) => rate.Per.Ticks << _slowdown;

    private void Refill(DateTimeOffset now, PaceConfig rate)
    {
        if (_rate != rate)
        {
            // First use: a full bucket (after a restart in a storm ntfy's may not be; its 42901 then empties this one). A
            // reload that changed the rate keeps what was left, up to the new size.
            var first = _rate is null;
            _rate = rate;
            _slowdown = 0;
            _credit = first ? rate.Burst * rate.Per.Ticks : Math.Min(_credit, rate.Burst * rate.Per.Ticks);
            _at = now;
            return;
        }
        if (now <= _at) return;
        var full = rate.Burst * Cost(rate);
        _credit = Math.Min(full, _credit + (now - _at).Ticks);
        _at = now;
        // Full at the slowed pace: ntfy's bucket, which refills at least as fast, is full too; the configured pace returns.
        if (_credit == full && _slowdown > 0)
        {
            _slowdown = 0;
            _credit = rate.Burst * rate.Per.Ticks;
        }
    }
}
