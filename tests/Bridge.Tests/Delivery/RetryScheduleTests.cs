using Bridge.Configuration;
using Bridge.Delivery;

namespace Bridge.Tests.Delivery;

/// <summary>The persisted schedule's arithmetic: waits, jitter, exhaustion, Retry-After and the 429 rest.</summary>
public sealed class RetryScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheDefaultScheduleIsAboutADayOfTenAttemptsStartingAtOnce()
    {
        var schedule = RetryConfig.Default.Schedule;

        Assert.Equal(10, schedule.Count);
        Assert.Equal(TimeSpan.Zero, schedule[0]);
        Assert.Equal(TimeSpan.FromSeconds(5), schedule[1]);
        Assert.Equal(TimeSpan.FromHours(12), schedule[^1]);
        Assert.InRange(schedule.Aggregate(TimeSpan.Zero, (a, b) => a + b), TimeSpan.FromHours(22), TimeSpan.FromHours(24));
        Assert.Equal(0.2, RetryConfig.Default.Jitter);
        Assert.Equal(TimeSpan.FromDays(3), RetryConfig.Default.MaxAge);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 30)]
    [InlineData(3, 120)]
    [InlineData(9, 43_200)]
    public void AfterAFailedAttemptTheNextWaitsItsScheduledTimeWithinTwentyPercent(int attemptsUsed, int seconds)
    {
        var low = RetrySchedule.Next(RetryConfig.Default, attemptsUsed, Now, null, random: 0)!.Value - Now;
        var middle = RetrySchedule.Next(RetryConfig.Default, attemptsUsed, Now, null, random: 0.5)!.Value - Now;
        var high = RetrySchedule.Next(RetryConfig.Default, attemptsUsed, Now, null, random: 0.999999)!.Value - Now;

        Assert.Equal(TimeSpan.FromSeconds(seconds * 0.8), low);
        Assert.Equal(TimeSpan.FromSeconds(seconds), middle);
        Assert.InRange(high, TimeSpan.FromSeconds(seconds * 1.19), TimeSpan.FromSeconds(seconds * 1.2));
    }

    [Fact]
    public void AfterTheLastScheduledAttemptThereIsNoNext()
    {
        Assert.Null(RetrySchedule.Next(RetryConfig.Default, 10, Now, null, 0.5));
    }

    [Fact]
    public void RetryAfterLongerThanTheScheduleIsHonouredUpToAnHour()
    {
        Assert.Equal(Now + TimeSpan.FromMinutes(20), RetrySchedule.Next(RetryConfig.Default, 1, Now, TimeSpan.FromMinutes(20), 0.5));
        Assert.Equal(Now + TimeSpan.FromHours(1), RetrySchedule.Next(RetryConfig.Default, 1, Now, TimeSpan.FromDays(2), 0.5));
        // Shorter than the scheduled wait: the schedule stands.
        Assert.Equal(Now + TimeSpan.FromSeconds(30), RetrySchedule.Next(RetryConfig.Default, 2, Now, TimeSpan.FromSeconds(1), 0.5));
    }

    // Changed contract: a 429 held the destination at least a minute; now its pace slows instead (DestinationPace).
    [Theory]
    [InlineData(null, 0)]
    [InlineData(10, 10)]
    [InlineData(120, 120)]
    [InlineData(86_400, 3_600)]
    public void ADestinationRestsAsLongAsRetryAfterAsksWithinAnHour(int? retryAfterSeconds, int holdSeconds)
    {
        var retryAfter = retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;

        Assert.Equal(TimeSpan.FromSeconds(holdSeconds), RetrySchedule.Hold(retryAfter));
    }
}
