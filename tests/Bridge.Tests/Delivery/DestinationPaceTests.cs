using Bridge.Configuration;
using Bridge.Delivery;
using Bridge.Storage;

namespace Bridge.Tests.Delivery;

/// <summary>The token bucket a destination paces itself by, on given times, and when ntfy's daily quota comes back.</summary>
public sealed class DestinationPaceTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PaceConfig Ntfy = PaceConfig.NtfyDefault;

    /// <summary>The pace of one destination whose bucket the embedded store keeps (in memory).</summary>
    private static DestinationPace Pace() => new("ntfy", new LocalDestinationStates());

    [Fact]
    public async Task AFullBucketAllowsTheBurstThenOneSendPerRefillExactlyWhenItSaysTheTokenComes()
    {
        var pace = Pace();

        Assert.Equal((60, (DateTimeOffset?)null), await pace.TakeAsync(Now, Ntfy, 100, default));
        var (tokens, next) = await pace.TakeAsync(Now, Ntfy, 1, default);

        Assert.Equal((0, Now + TimeSpan.FromSeconds(5)), (tokens, next));
        Assert.Equal(0, (await pace.TakeAsync(next!.Value - TimeSpan.FromTicks(1), Ntfy, 1, default)).Tokens);
        Assert.Equal(1, (await pace.TakeAsync(next.Value, Ntfy, 1, default)).Tokens);
        Assert.Equal(next.Value + TimeSpan.FromSeconds(5), (await pace.TakeAsync(next.Value, Ntfy, 1, default)).NextAt);
        // Idle long enough, it is full again and no fuller.
        Assert.Equal(60, pace.Describe(Now + TimeSpan.FromHours(1), Ntfy)!.Value.Tokens);
    }

    [Fact]
    public async Task TokensGivenBackAreThereForTheNextTake()
    {
        var pace = Pace();
        await pace.TakeAsync(Now, Ntfy, 60, default);

        await pace.GiveBackAsync(Now, Ntfy, 3, default);

        Assert.Equal((3, (DateTimeOffset?)null), await pace.TakeAsync(Now, Ntfy, 10, default));
    }

    [Fact]
    public async Task EachTooManyRequestsEmptiesTheBucketAndDoublesTheRefillUntilItIsFullAgain()
    {
        var pace = Pace();
        await pace.TakeAsync(Now, Ntfy, 1, default);

        Assert.Equal((true, TimeSpan.Zero), await pace.SlowDownAsync(Now, Ntfy, Now, default));
        Assert.Equal((0, Now + TimeSpan.FromSeconds(10)), await pace.TakeAsync(Now, Ntfy, 1, default));
        // Each refused send started after the slow-down before it.
        var at = Now;
        for (var i = 0; i < 10; i++)
        {
            at += TimeSpan.FromTicks(1);
            await pace.SlowDownAsync(at, Ntfy, at, default);
            if (i == 0) Assert.Equal(at + TimeSpan.FromSeconds(20), (await pace.TakeAsync(at, Ntfy, 1, default)).NextAt);
        }
        Assert.Equal(DestinationPace.MaxSlowdown, pace.TimesSlowed);
        Assert.Equal(TimeSpan.FromSeconds(80), pace.Describe(at, Ntfy)!.Value.Per);

        // Full at the slowed pace (60 tokens of 80 s): ntfy's is full too, and the configured pace is back.
        var full = at + TimeSpan.FromSeconds(80 * 60);
        Assert.Equal((60, TimeSpan.FromSeconds(5)), pace.Describe(full, Ntfy));
        Assert.Equal((60, (DateTimeOffset?)null), await pace.TakeAsync(full, Ntfy, 60, default));
        Assert.Equal(0, pace.TimesSlowed);
    }

    [Fact]
    public async Task TooManyRequestsForSendsStartedBeforeTheLastSlowDownSlowItNoFurther()
    {
        var pace = Pace();
        await pace.TakeAsync(Now, Ntfy, 1, default);
        await pace.SlowDownAsync(Now, Ntfy, sent: Now, default);

        // Sixteen sends were under way together and met the same empty bucket.
        for (var i = 0; i < 15; i++) Assert.False((await pace.SlowDownAsync(Now + TimeSpan.FromMilliseconds(i), Ntfy, sent: Now - TimeSpan.FromSeconds(1), default)).Slower);

        Assert.Equal(1, pace.TimesSlowed);
        Assert.Equal(TimeSpan.FromSeconds(10), pace.Describe(Now, Ntfy)!.Value.Per);
    }

    [Fact]
    public async Task AnUnpacedDestinationIsNeverShortOfTokens()
    {
        var pace = Pace();

        Assert.Equal((1_000, (DateTimeOffset?)null), await pace.TakeAsync(Now, null, 1_000, default));
        Assert.Null(pace.Describe(Now, null));
    }

    [Fact]
    public async Task AReloadedRateKeepsWhatWasLeftUpToItsNewSize()
    {
        var pace = Pace();
        await pace.TakeAsync(Now, Ntfy, 50, default);

        Assert.Equal(5, (await pace.TakeAsync(Now, new PaceConfig(5, TimeSpan.FromSeconds(1)), 100, default)).Tokens);
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
