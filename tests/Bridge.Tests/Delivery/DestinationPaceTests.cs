using Bridge.Configuration;
using Bridge.Delivery;

namespace Bridge.Tests.Delivery;

/// <summary>The token bucket a destination paces itself by, on given times, and when ntfy's daily quota comes back.</summary>
public sealed class DestinationPaceTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PaceConfig Ntfy = PaceConfig.NtfyDefault;

    [Fact]
    public void AFullBucketAllowsTheBurstThenOneSendPerRefillExactlyWhenItSaysTheTokenComes()
    {
        var pace = new DestinationPace();

        Assert.Equal((60, (DateTimeOffset?)null), pace.Available(Now, Ntfy));
        pace.Take(60, Ntfy);
        var (tokens, next) = pace.Available(Now, Ntfy);

        Assert.Equal((0, Now + TimeSpan.FromSeconds(5)), (tokens, next));
        Assert.Equal(0, pace.Available(next!.Value - TimeSpan.FromTicks(1), Ntfy).Tokens);
        Assert.Equal(1, pace.Available(next.Value, Ntfy).Tokens);
        pace.Take(1, Ntfy);
        Assert.Equal(next.Value + TimeSpan.FromSeconds(5), pace.Available(next.Value, Ntfy).NextAt);
        // Idle long enough, it is full again and no fuller.
        Assert.Equal(60, pace.Available(Now + TimeSpan.FromHours(1), Ntfy).Tokens);
    }

    [Fact]
    public void EachTooManyRequestsEmptiesTheBucketAndDoublesTheRefillUntilItIsFullAgain()
    {
        var pace = new DestinationPace();
        pace.Available(Now, Ntfy);

        Assert.Equal(TimeSpan.Zero, pace.SlowDown(Now, Ntfy, Now));
        Assert.Equal((0, Now + TimeSpan.FromSeconds(10)), pace.Available(Now, Ntfy));
        // Each refused send started after the slow-down before it.
        var at = Now;
        for (var i = 0; i < 10; i++)
        {
            at += TimeSpan.FromTicks(1);
            pace.SlowDown(at, Ntfy, at);
            if (i == 0) Assert.Equal(at + TimeSpan.FromSeconds(20), pace.Available(at, Ntfy).NextAt);
        }
        Assert.Equal(DestinationPace.MaxSlowdown, pace.TimesSlowed);
        Assert.Equal(TimeSpan.FromSeconds(80), pace.Describe(at, Ntfy)!.Value.Per);

        // Full at the slowed pace (60 tokens of 80 s): ntfy's is full too, and the configured pace is back.
        var full = at + TimeSpan.FromSeconds(80 * 60);
        Assert.Equal((60, TimeSpan.FromSeconds(5)), pace.Describe(full, Ntfy));
        Assert.Equal(0, pace.TimesSlowed);
    }

    [Fact]
    public void TooManyRequestsForSendsStartedBeforeTheLastSlowDownSlowItNoFurther()
    {
        var pace = new DestinationPace();
        pace.Available(Now, Ntfy);
        pace.SlowDown(Now, Ntfy, sent: Now);

        // Sixteen sends were under way together and met the same empty bucket.
        for (var i = 0; i < 15; i++) pace.SlowDown(Now + TimeSpan.FromMilliseconds(i), Ntfy, sent: Now - TimeSpan.FromSeconds(1));

        Assert.Equal(1, pace.TimesSlowed);
        Assert.Equal(TimeSpan.FromSeconds(10), pace.Describe(Now, Ntfy)!.Value.Per);
    }

    [Fact]
    public void AnUnpacedDestinationIsNeverShortOfTokens()
    {
        var pace = new DestinationPace();
        pace.Take(1_000, null);

        Assert.Equal((int.MaxValue, (DateTimeOffset?)null), pace.Available(Now, null));
        Assert.Null(pace.Describe(Now, null));
    }

    [Fact]
    public void AReloadedRateKeepsWhatWasLeftUpToItsNewSize()
    {
        var pace = new DestinationPace();
        pace.Available(Now, Ntfy);
        pace.Take(50, Ntfy);

        Assert.Equal(5, pace.Available(Now, new PaceConfig(5, TimeSpan.FromSeconds(1))).Tokens);
    }

    [Theory]
    [InlineData("2026-03-01T12:00:00Z", "2026-03-02T00:01:00Z")]
    [InlineData("2026-03-01T23:59:59Z", "2026-03-02T00:01:00Z")]
    [InlineData("2026-03-01T00:10:00Z", "2026-03-02T00:01:00Z")]
    // Just after midnight the server's clock may not have reached it: try again shortly.
    [InlineData("2026-03-01T00:00:30Z", "2026-03-01T00:01:30Z")]
    public void TheDailyQuotaComesBackJustAfterMidnightUtc(string at, string until) =>
        Assert.Equal(DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture),
            NtfyQuota.HoldUntil(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));
}
