namespace Bridge.Configuration;

/// <summary>
/// A destination's client-side token bucket (<c>rate: { burst, per }</c>): up to <paramref name="Burst"/> sends at once,
/// then one per <paramref name="Per"/>, so the bridge waits for ntfy's limit instead of collecting its 429s.
/// </summary>
/// <param name="Burst">Sends that may go at once from a full bucket. Default 60 (ntfy's <c>visitor-request-limit-burst</c>).</param>
/// <param name="Per">How long the bucket takes to gain one send back. Default 5 s (ntfy's <c>visitor-request-limit-replenish</c>).</param>
public sealed record PaceConfig(int Burst, TimeSpan Per)
{
    /// <summary>ntfy's default request limit per visitor.</summary>
    public static readonly PaceConfig NtfyDefault = new(60, TimeSpan.FromSeconds(5));

    /// <summary>Bounds that keep the bucket's arithmetic exact (a slowed refill's ticks fit a long, the tokens a double) and mean something to an ntfy server.</summary>
    public const int MaxBurst = 100_000;

    public static readonly TimeSpan MinPer = TimeSpan.FromMilliseconds(1), MaxPer = TimeSpan.FromDays(1);
}
