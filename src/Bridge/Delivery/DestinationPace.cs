using Bridge.Configuration;
using Bridge.Storage;

namespace Bridge.Delivery;

/// <summary>
/// The token bucket one destination's sends wait for (<see cref="DestinationConfig.Rate"/>), and how ntfy's "too many
/// requests" (42901) slowed it. The bucket is the store's (<see cref="IDestinationStates.PaceAsync"/>): in memory for the
/// embedded store, one row for every bridge on PostgreSQL, so N instances together keep to one ntfy's limit instead of
/// N times it. The arithmetic is <see cref="PaceBucket"/>'s in both. A round takes as many tokens as it may start sends
/// and gives back what it did not use; once the bucket is known empty, no round asks again before its next token comes.
/// An unpaced destination (<c>rate: none</c>) costs no I/O: only its 42901s in a row are counted, here. Thread-safe.
/// </summary>
public sealed class DestinationPace(string destination, IDestinationStates keeper)
{
    /// <summary>Each 42901 doubles the time a token takes, at most this many times (5 s becomes 80 s at ntfy's default).</summary>
    public const int MaxSlowdown = PaceBucket.MaxSlowdown;

    /// <summary>
    /// An unpaced destination (<c>rate: none</c>) that gets a 42901 anyway is left alone this long, doubled per 42901 in a
    /// row up to <see cref="MaxUnpacedHold"/>: ntfy's default refill of one request.
    /// </summary>
    public static readonly TimeSpan UnpacedHold = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan MaxUnpacedHold = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();

    /// <summary>The bucket as this instance last took from or changed it, in its own time: status, and when to ask again.</summary>
    private (PaceBucket Bucket, PaceConfig Rate)? _seen;

    /// <summary>An unpaced destination's 42901s in a row (no tokens: only the count and the last one's time).</summary>
    private PaceBucket _unpaced = new(0, DateTimeOffset.MinValue, 0, DateTimeOffset.MinValue);

    /// <summary>How many times in a row ntfy said 42901 since the pace last recovered (0: the configured pace).</summary>
    public int TimesSlowed
    {
        get { lock (_gate) return _seen?.Bucket.TimesSlowed ?? _unpaced.TimesSlowed; }
    }

    /// <summary>Whether due messages wait for a token now (set by the worker when it finds the bucket empty with messages due).</summary>
    public bool Waiting { get; set; }

    /// <summary>Takes up to <paramref name="wanted"/> tokens for sends that may start now.</summary>
    /// <returns>The tokens taken, and when the next one comes when none was; an unpaced destination gets every one wanted.</returns>
    public async ValueTask<(int Tokens, DateTimeOffset? NextAt)> TakeAsync(DateTimeOffset now, PaceConfig? rate, int wanted, CancellationToken ct)
    {
        if (rate is null || wanted <= 0) return (Math.Max(0, wanted), null);
        // Known empty until its next token (another instance may give some back meanwhile; they wait at most one token).
        if (Seen(now, rate) is { Whole: 0 } empty) return (0, empty.NextAt(rate));
        var taken = 0;
        var (_, after) = await keeper.PaceAsync(destination, rate, now, (bucket, at) =>
        {
            (var next, taken) = bucket.Take(at, rate, wanted);
            return next;
        }, ct);
        See(after, rate);
        return taken > 0 ? (taken, null) : (0, after.NextAt(rate));
    }

    /// <summary>Gives back tokens taken by <see cref="TakeAsync"/> for sends that did not start (fewer messages were due).</summary>
    public async ValueTask GiveBackAsync(DateTimeOffset now, PaceConfig? rate, int tokens, CancellationToken ct)
    {
        if (rate is null || tokens <= 0) return;
        var (_, after) = await keeper.PaceAsync(destination, rate, now, (bucket, at) => bucket.GiveBack(at, rate, tokens), ct);
        See(after, rate);
    }

    /// <summary>
    /// ntfy answered 42901: its bucket for this client is empty, so this one is emptied too, for every instance sharing it,
    /// and refills more slowly (see <see cref="PaceBucket.SlowDown"/>).
    /// </summary>
    /// <param name="sent">When the refused send started: sends under way together slow it once.</param>
    /// <returns>Whether this slowed the pace further, and how long an unpaced destination is left alone (zero for a paced
    /// one, whose empty bucket is its wait).</returns>
    public async ValueTask<(bool Slower, TimeSpan UnpacedHold)> SlowDownAsync(DateTimeOffset now, PaceConfig? rate, DateTimeOffset sent, CancellationToken ct)
    {
        if (rate is null)
        {
            lock (_gate)
            {
                var before = _unpaced;
                _unpaced = before.SlowDown(now, null, sent);
                // An echo is held as long as the answer it echoes.
                var previous = sent > before.SlowedAt ? before.TimesSlowed : Math.Max(0, before.TimesSlowed - 1);
                var hold = UnpacedHold * (1 << previous);
                return (_unpaced.TimesSlowed > before.TimesSlowed, hold < MaxUnpacedHold ? hold : MaxUnpacedHold);
            }
        }
        // The send's start, in the keeper's clock.
        var (was, after) = await keeper.PaceAsync(destination, rate, now, (bucket, at) => bucket.SlowDown(at, rate, at + (sent - now)), ct);
        See(after, rate);
        return (after.TimesSlowed > was.TimesSlowed, TimeSpan.Zero);
    }

    /// <summary>A send got through: an unpaced destination's 42901 streak ends (a paced one recovers once its bucket is full).</summary>
    public void Succeeded(PaceConfig? rate)
    {
        if (rate is not null) return;
        lock (_gate) _unpaced = _unpaced with { TimesSlowed = 0 };
    }

    /// <summary>The tokens there are now (as this instance last saw the bucket) and the time one takes, for status; null for an unpaced destination.</summary>
    public (int Tokens, TimeSpan Per)? Describe(DateTimeOffset now, PaceConfig? rate)
    {
        if (rate is null) return null;
        var bucket = Seen(now, rate) ?? PaceBucket.Full(rate, now);
        return (bucket.Whole, bucket.Per(rate));
    }

    /// <summary>The bucket as last seen, refilled to <paramref name="now"/>; null when not seen at this rate (a reload changed it).</summary>
    private PaceBucket? Seen(DateTimeOffset now, PaceConfig rate)
    {
        lock (_gate) return _seen is { } seen && seen.Rate == rate ? seen.Bucket.Refill(now, rate) : null;
    }

    private void See(PaceBucket bucket, PaceConfig rate)
    {
        lock (_gate) _seen = (bucket, rate);
    }
}
