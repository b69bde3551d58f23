using Bridge.Configuration;
using Bridge.Delivery;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Delivery;

/// <summary>Tripping, pausing and probing one destination, on a fake clock.</summary>
public sealed class DestinationHealthTests
{
    private static readonly DestinationConfig Ntfy = new("ntfy", new Uri("https://ntfy.example.com"), "tk_a", TimeSpan.FromSeconds(10), RetryConfig.Default);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void FiveFailuresInARowTripTheDestinationIntoOneProbeAtATime()
    {
        var health = new DestinationHealth("ntfy");
        for (var i = 0; i < 4; i++)
        {
            health.Started();
            Assert.False(health.Failed(_time.GetUtcNow(), Ntfy.Retry, "HTTP 503", TimeSpan.Zero, probe: false));
        }
        health.Started();
        Assert.True(health.Failed(_time.GetUtcNow(), Ntfy.Retry, "HTTP 503", TimeSpan.Zero, probe: false));

        Assert.Equal(DestinationMode.Tripped, health.Mode);
        Assert.Equal((0, _time.GetUtcNow() + TimeSpan.FromSeconds(5)), health.Allowance(_time.GetUtcNow(), Ntfy, 4));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, health.Allowance(_time.GetUtcNow(), Ntfy, 4).Slots);
        health.Started();
        Assert.Equal(0, health.Allowance(_time.GetUtcNow(), Ntfy, 4).Slots);
        Assert.True(health.IsProbing);
    }

    [Fact]
    public void ProbesOfATrippedDestinationFollowItsScheduleUpToFiveMinutes()
    {
        var health = Tripped();
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            var (_, wakeAt) = health.Allowance(_time.GetUtcNow(), Ntfy, 4);
            var wait = wakeAt!.Value - _time.GetUtcNow();
            waits.Add(wait);
            _time.Advance(wait);
            health.Started();
            health.Failed(_time.GetUtcNow(), Ntfy.Retry, "HTTP 503", TimeSpan.Zero, probe: true);
        }

        Assert.Equal([5, 30, 120, 300, 300, 300], waits.Select(w => (int)w.TotalSeconds));
    }

    [Fact]
    public void ASuccessfulProbeMakesTheDestinationHealthyWithFullConcurrency()
    {
        var health = Tripped();
        _time.Advance(TimeSpan.FromSeconds(5));
        health.Started();

        Assert.True(health.Succeeded());
        Assert.Equal(DestinationMode.Healthy, health.Mode);
        Assert.Equal((4, (DateTimeOffset?)null), health.Allowance(_time.GetUtcNow(), Ntfy, 4));
    }

    [Fact]
    public void RefusedCredentialsPauseWithProbesAtLeastAMinuteApartAndAFixedTokenIsProbedAtOnce()
    {
        var health = new DestinationHealth("ntfy");
        health.Started();

        Assert.True(health.Refused(_time.GetUtcNow(), Ntfy, "HTTP 401, code 40101: unauthorized", TimeSpan.Zero));
        Assert.Equal(DestinationMode.Paused, health.Mode);
        Assert.Equal((0, _time.GetUtcNow() + TimeSpan.FromMinutes(1)), health.Allowance(_time.GetUtcNow(), Ntfy, 4));

        var fixedToken = Ntfy with { Token = "tk_b" };
        Assert.Equal(1, health.Allowance(_time.GetUtcNow(), fixedToken, 4).Slots);
    }

    [Fact]
    public void AFailureOfASendUnderWayWhenTheTokenWasRefusedLeavesThePauseAndItsProbeAsTheyWere()
    {
        var health = new DestinationHealth("ntfy");
        health.Started();
        health.Started();
        health.Refused(_time.GetUtcNow(), Ntfy, "HTTP 401, code 40101: unauthorized", TimeSpan.Zero);

        Assert.False(health.Failed(_time.GetUtcNow(), Ntfy.Retry, "no answer within 10 s", TimeSpan.Zero, probe: false));
        Assert.Equal(DestinationMode.Paused, health.Mode);
        Assert.Equal("HTTP 401, code 40101: unauthorized", health.Reason);
        Assert.Equal((0, _time.GetUtcNow() + TimeSpan.FromMinutes(1)), health.Allowance(_time.GetUtcNow(), Ntfy, 4));
    }

    [Fact]
    public void A42901EmptiesAPacedDestinationsBucketWithoutHoldingOrTrippingIt()
    {
        var health = new DestinationHealth("ntfy");
        var now = _time.GetUtcNow();
        for (var i = 0; i < DestinationHealth.TripAfter + 1; i++)
        {
            health.Started();
            health.SlowedDown(now, Ntfy.Rate, "HTTP 429, code 42901", TimeSpan.Zero, sent: now - TimeSpan.FromSeconds(1));
        }

        Assert.Equal(DestinationMode.Healthy, health.Mode);
        Assert.Equal((4, null), health.Allowance(now, Ntfy, 4));
        Assert.Equal(0, health.Pace.Available(now, Ntfy.Rate).Tokens);
        Assert.Equal(DestinationHealth.Open, health.PacingName(now));
    }

    [Fact]
    public void A42901HoldsAnUnpacedDestinationBrieflyDoublingPerAnswerInARow()
    {
        var health = new DestinationHealth("ntfy");
        var now = _time.GetUtcNow();
        var holds = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            // Each send started after the hold before it ended.
            now += TimeSpan.FromMinutes(1);
            health.Started();
            health.SlowedDown(now, null, "HTTP 429, code 42901", TimeSpan.Zero, sent: now);
            holds.Add(health.HoldUntil - now);
        }

        Assert.Equal([5, 10, 20, 40, 60, 60], holds.Select(h => h.TotalSeconds));
        Assert.Equal(DestinationHealth.Holding, health.PacingName(now));
        Assert.StartsWith("ntfy asked it to slow down", health.HoldReason, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDailyQuotaHoldsTheDestinationUntilItsResetAndSaysSo()
    {
        var health = new DestinationHealth("ntfy");
        var now = _time.GetUtcNow();
        var reset = NtfyQuota.HoldUntil(now);
        health.Started();

        Assert.True(health.QuotaReached(now, reset, "HTTP 429, code 42908: limit reached: daily message quota reached"));

        Assert.Equal((0, reset), health.Allowance(now, Ntfy, 4));
        Assert.True(health.QuotaHeld(now));
        Assert.Contains("daily message quota", health.HoldReason, StringComparison.Ordinal);
        Assert.False(health.QuotaHeld(reset));
        Assert.Equal(4, health.Allowance(reset, Ntfy, 4).Slots);
    }

    private DestinationHealth Tripped()
    {
        var health = new DestinationHealth("ntfy");
        for (var i = 0; i < DestinationHealth.TripAfter; i++)
        {
            health.Started();
            health.Failed(_time.GetUtcNow(), Ntfy.Retry, "HTTP 503", TimeSpan.Zero, probe: false);
        }
        return health;
    }
}
