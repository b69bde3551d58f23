using Bridge.Configuration;
using Bridge.Storage;
using Bridge.Delivery;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Delivery;

/// <summary>Tripping, pausing and probing one destination, on a fake clock, by one instance or two sharing its state.</summary>
public sealed class DestinationHealthTests
{
    private static readonly DestinationConfig Ntfy = new("ntfy", new Uri("https://ntfy.example.com"), "tk_a", TimeSpan.FromSeconds(10), RetryConfig.Default);

    /// <summary>Where the instances of a test keep the destination's state, as bridges on one store do.</summary>
    private readonly LocalDestinationStates _states = new();

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task FiveFailuresInARowTripTheDestinationIntoOneProbeAtATime()
    {
        var health = Instance("a");
        for (var i = 0; i < 4; i++)
        {
            health.Started();
            Assert.False(await health.FailedAsync(_time.GetUtcNow(), Ntfy.Retry, "HTTP 503", TimeSpan.Zero, probe: false, default));
        }
        health.Started();
        Assert.True(await health.FailedAsync(_time.GetUtcNow(), Ntfy.Retry, "HTTP 503", TimeSpan.Zero, probe: false, default));

        Assert.Equal(DestinationMode.Tripped, health.Mode);
        Assert.Equal((0, _time.GetUtcNow() + TimeSpan.FromSeconds(5)), await health.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, (await health.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default)).Slots);
        health.Started();
        Assert.Equal(0, (await health.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default)).Slots);
        Assert.True(health.IsProbing);
    }

    [Fact]
    public async Task ProbesOfATrippedDestinationFollowItsScheduleUpToFiveMinutes()
    {
        var health = await TrippedAsync();
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            var (_, wakeAt) = await health.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default);
            var wait = wakeAt!.Value - _time.GetUtcNow();
            waits.Add(wait);
            _time.Advance(wait);
            health.Started();
            await health.FailedAsync(_time.GetUtcNow(), Ntfy.Retry, "HTTP 503", TimeSpan.Zero, probe: true, default);
        }

        Assert.Equal([5, 30, 120, 300, 300, 300], waits.Select(w => (int)w.TotalSeconds));
    }

    [Fact]
    public async Task ASuccessfulProbeMakesTheDestinationHealthyWithFullConcurrency()
    {
        var health = await TrippedAsync();
        _time.Advance(TimeSpan.FromSeconds(5));
        health.Started();

        Assert.True(await health.SucceededAsync(_time.GetUtcNow(), default));
        Assert.Equal(DestinationMode.Healthy, health.Mode);
        Assert.Equal((4, (DateTimeOffset?)null), await health.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default));
    }

    [Fact]
    public async Task RefusedCredentialsPauseWithProbesAtLeastAMinuteApartAndAFixedTokenIsProbedAtOnce()
    {
        var health = Instance("a");
        health.Started();

        Assert.True(await health.RefusedAsync(_time.GetUtcNow(), Ntfy, "HTTP 401, code 40101: unauthorized", TimeSpan.Zero, default));
        Assert.Equal(DestinationMode.Paused, health.Mode);
        Assert.Equal((0, _time.GetUtcNow() + TimeSpan.FromMinutes(1)), await health.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default));

        var fixedToken = Ntfy with { Token = "tk_b" };
        Assert.Equal(1, (await health.AllowanceAsync(_time.GetUtcNow(), fixedToken, 4, default)).Slots);
    }

    [Fact]
    public async Task AFailureOfASendUnderWayWhenTheTokenWasRefusedLeavesThePauseAndItsProbeAsTheyWere()
    {
        var health = Instance("a");
        health.Started();
        health.Started();
        await health.RefusedAsync(_time.GetUtcNow(), Ntfy, "HTTP 401, code 40101: unauthorized", TimeSpan.Zero, default);

        Assert.False(await health.FailedAsync(_time.GetUtcNow(), Ntfy.Retry, "no answer within 10 s", TimeSpan.Zero, probe: false, default));
        Assert.Equal(DestinationMode.Paused, health.Mode);
        Assert.Equal("HTTP 401, code 40101: unauthorized", health.Reason);
        Assert.Equal((0, _time.GetUtcNow() + TimeSpan.FromMinutes(1)), await health.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default));
    }

    [Fact]
    public async Task A42901EmptiesAPacedDestinationsBucketWithoutHoldingOrTrippingIt()
    {
        var health = Instance("a");
        var now = _time.GetUtcNow();
        for (var i = 0; i < DestinationHealth.TripAfter + 1; i++)
        {
            health.Started();
            await health.SlowedDownAsync(now, Ntfy.Rate, "HTTP 429, code 42901", TimeSpan.Zero, now - TimeSpan.FromSeconds(1), default);
        }

        Assert.Equal(DestinationMode.Healthy, health.Mode);
        Assert.Equal((4, null), await health.AllowanceAsync(now, Ntfy, 4, default));
        Assert.Equal(0, health.Pace.Describe(now, Ntfy.Rate)!.Value.Tokens);
        Assert.Equal(DestinationHealth.Open, health.PacingName(now));
    }

    [Fact]
    public async Task A42901HoldsAnUnpacedDestinationBrieflyDoublingPerAnswerInARow()
    {
        var health = Instance("a");
        var now = _time.GetUtcNow();
        var holds = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            // Each send started after the hold before it ended.
            now += TimeSpan.FromMinutes(1);
            health.Started();
            await health.SlowedDownAsync(now, null, "HTTP 429, code 42901", TimeSpan.Zero, now, default);
            holds.Add(health.HoldUntil - now);
        }

        Assert.Equal([5, 10, 20, 40, 60, 60], holds.Select(h => h.TotalSeconds));
        Assert.Equal(DestinationHealth.Holding, health.PacingName(now));
        Assert.StartsWith("ntfy asked it to slow down", health.HoldReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDailyQuotaHoldsTheDestinationUntilItsResetAndSaysSo()
    {
        var health = Instance("a");
        var now = _time.GetUtcNow();
        var reset = NtfyQuota.HoldUntil(now);
        health.Started();

        Assert.True(await health.QuotaReachedAsync(now, reset, "HTTP 429, code 42908: limit reached: daily message quota reached", default));

        Assert.Equal((0, reset), await health.AllowanceAsync(now, Ntfy, 4, default));
        Assert.True(health.QuotaHeld(now));
        Assert.Contains("daily message quota", health.HoldReason, StringComparison.Ordinal);
        Assert.False(health.QuotaHeld(reset));
        Assert.Equal(4, (await health.AllowanceAsync(reset, Ntfy, 4, default)).Slots);
    }

    [Fact]
    public async Task OfTwoInstancesSharingATrippedDestinationOnlyOneTakesItsProbeAndTheOtherWaitsForItsLease()
    {
        var a = await TrippedAsync();
        var b = Instance("b");
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(1, (await a.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default)).Slots);
        a.Started();
        // Looked at again every second until the probe's lease (three times the destination's timeout) ends.
        Assert.Equal((0, _time.GetUtcNow() + DestinationHealth.OtherProbeLook), await b.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default));
        Assert.Equal(DestinationMode.Tripped, b.Mode);
        _time.Advance(TimeSpan.FromSeconds(29.5));
        Assert.Equal((0, _time.GetUtcNow() + TimeSpan.FromSeconds(0.5)), await b.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default));

        Assert.True(await a.SucceededAsync(_time.GetUtcNow(), default));
        Assert.Equal((4, (DateTimeOffset?)null), await b.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default));
    }

    [Fact]
    public async Task APauseOneInstanceSawHoldsTheOtherAndAFixedTokenIsProbedByOneOfThem()
    {
        var a = Instance("a");
        var b = Instance("b");
        a.Started();
        Assert.True(await a.RefusedAsync(_time.GetUtcNow(), Ntfy, "HTTP 401, code 40101: unauthorized", TimeSpan.Zero, default));
        Assert.Equal((0, _time.GetUtcNow() + TimeSpan.FromMinutes(1)), await b.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default));
        Assert.Equal("HTTP 401, code 40101: unauthorized", b.Reason);

        var fixedToken = Ntfy with { Token = "tk_b" };
        Assert.Equal(1, (await b.AllowanceAsync(_time.GetUtcNow(), fixedToken, 4, default)).Slots);
        b.Started();
        Assert.Equal(0, (await a.AllowanceAsync(_time.GetUtcNow(), fixedToken, 4, default)).Slots);

        Assert.True(await b.SucceededAsync(_time.GetUtcNow(), default));
        Assert.Equal(4, (await a.AllowanceAsync(_time.GetUtcNow(), fixedToken, 4, default)).Slots);
    }

    [Fact]
    public async Task ARefusalOfASendUnderWayOnAnotherInstanceLeavesTheProbeToItsOwner()
    {
        var a = Instance("a");
        var b = Instance("b");
        a.Started();
        b.Started();
        await a.RefusedAsync(_time.GetUtcNow(), Ntfy, "HTTP 401, code 40101: unauthorized", TimeSpan.Zero, default);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await a.AllowanceAsync(_time.GetUtcNow(), Ntfy, 4, default)).Slots);
        a.Started();

        Assert.False(await b.RefusedAsync(_time.GetUtcNow(), Ntfy, "HTTP 401, code 40101: unauthorized", TimeSpan.Zero, default));
        Assert.Equal("a", (await _states.GetAsync("ntfy", default)).ProbeOwner);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(30), b.NextProbeAt);
    }

    private DestinationHealth Instance(string name) => new("ntfy", _states, name);

    private async Task<DestinationHealth> TrippedAsync()
    {
        var health = Instance("a");
        for (var i = 0; i < DestinationHealth.TripAfter; i++)
        {
            health.Started();
            await health.FailedAsync(_time.GetUtcNow(), Ntfy.Retry, "HTTP 503", TimeSpan.Zero, probe: false, default);
        }
        return health;
    }
}
