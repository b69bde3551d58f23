using Bridge.Configuration;
using Bridge.Delivery;
using Bridge.Storage;

namespace Bridge.Tests.Delivery;

/// <summary>The delivery policy, one answer per row: what the message and the destination do next.</summary>
public sealed class DeliveryDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Three attempts: 0 s, then 5 s, then 30 s; no jitter; messages die after a day.</summary>
    private static readonly RetryConfig Retry = new([TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)], 0, TimeSpan.FromDays(1));

    public static IEnumerable<object[]> Rows =>
    [
        // name, answer, attempts used before, probe, age (h), → status, attempts after, next attempt in (s), outcome, health, hold (s)
        ["2xx", Answer(DeliveryStatus.Delivered, 200), 0, false, 0, MessageStatus.Delivered, 1, 0, "delivered", HealthSignal.Answered, 0],
        ["dry-run", new DeliveryOutcome(DeliveryStatus.DryRun, null, null, "dry-run", 0), 0, false, 0, MessageStatus.Delivered, 1, 0, "dry_run", HealthSignal.Answered, 0],
        ["2xx on a probe", Answer(DeliveryStatus.Delivered, 200), 2, true, 0, MessageStatus.Delivered, 3, 0, "delivered", HealthSignal.Answered, 0],
        ["401 pauses, schedule not spent", Answer(DeliveryStatus.Rejected, 401, 40101), 1, false, 0, MessageStatus.Pending, 1, 0, "paused", HealthSignal.Refused, 0],
        ["403 pauses", Answer(DeliveryStatus.Rejected, 403, 40301), 0, false, 0, MessageStatus.Pending, 0, 0, "paused", HealthSignal.Refused, 0],
        // Changed contract: a 429 held the destination a minute; now 42901 slows its pace and 42908 holds it until the quota resets.
        ["42909 lock-out pauses", Answer(DeliveryStatus.Failed, 429, 42909), 0, false, 0, MessageStatus.Pending, 0, 0, "paused", HealthSignal.Refused, 0],
        ["42901 slows the pace, due again at once, schedule not spent", Answer(DeliveryStatus.Failed, 429, 42901), 1, false, 0, MessageStatus.Pending, 1, 0, "rate_limited", HealthSignal.SlowedDown, 0],
        ["429 with Retry-After 2 min", Answer(DeliveryStatus.Failed, 429, 42901, retryAfter: 120), 1, false, 0, MessageStatus.Pending, 1, 120, "rate_limited", HealthSignal.SlowedDown, 120],
        ["429 without ntfy's code slows the pace too", Answer(DeliveryStatus.Failed, 429), 0, false, 0, MessageStatus.Pending, 0, 0, "rate_limited", HealthSignal.SlowedDown, 0],
        ["a 429 on a probe spends nothing either", Answer(DeliveryStatus.Failed, 429, 42901), 2, true, 0, MessageStatus.Pending, 2, 0, "rate_limited", HealthSignal.SlowedDown, 0],
        ["42908 daily quota, schedule not spent", Answer(DeliveryStatus.Failed, 429, 42908), 1, false, 0, MessageStatus.Pending, 1, 0, "rate_limited", HealthSignal.QuotaReached, 0],
        ["other 4xx is dead at once", Answer(DeliveryStatus.Rejected, 400, 40009), 0, false, 0, MessageStatus.Dead, 1, 0, "rejected", HealthSignal.Answered, 0],
        ["413 is dead at once", Answer(DeliveryStatus.Rejected, 413, 41303), 0, false, 0, MessageStatus.Dead, 1, 0, "rejected", HealthSignal.Answered, 0],
        ["5xx follows the schedule", Answer(DeliveryStatus.Failed, 503, 50301), 0, false, 0, MessageStatus.Pending, 1, 5, "failed", HealthSignal.Failed, 0],
        ["5xx with Retry-After beyond the schedule", Answer(DeliveryStatus.Failed, 503, null, retryAfter: 20), 0, false, 0, MessageStatus.Pending, 1, 20, "failed", HealthSignal.Failed, 20],
        ["5xx at the schedule's end is dead", Answer(DeliveryStatus.Failed, 500), 2, false, 0, MessageStatus.Dead, 3, 0, "failed", HealthSignal.Failed, 0],
        ["timeout follows the schedule", new DeliveryOutcome(DeliveryStatus.Failed, null, null, "no answer within 10 s", 1), 1, false, 0, MessageStatus.Pending, 2, 30, "failed", HealthSignal.Failed, 0],
        ["a failed probe spends nothing", Answer(DeliveryStatus.Failed, 502), 2, true, 0, MessageStatus.Pending, 2, 0, "failed", HealthSignal.Failed, 0],
        ["past max_age a failure is dead", Answer(DeliveryStatus.Failed, 503), 0, false, 25, MessageStatus.Dead, 1, 0, "failed", HealthSignal.Failed, 0],
        ["past max_age a pause is dead too", Answer(DeliveryStatus.Rejected, 401), 0, false, 25, MessageStatus.Dead, 0, 0, "paused", HealthSignal.Refused, 0],
        ["past max_age a delivery still counts", Answer(DeliveryStatus.Delivered, 200), 0, false, 25, MessageStatus.Delivered, 1, 0, "delivered", HealthSignal.Answered, 0],
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void TheAnswerDecidesTheMessagesNextStepAndWhatItSaysAboutTheDestination(string name, DeliveryOutcome answer, int attemptsUsed, bool probe,
        double ageHours, MessageStatus status, int attemptsAfter, double nextInSeconds, string outcome, HealthSignal health, double holdSeconds)
    {
        var decision = DeliveryDecision.Decide(answer, attemptsUsed, Now - TimeSpan.FromHours(ageHours), Retry, probe, Now, random: 0.5);

        Assert.True(status == decision.Update.Status, $"{name}: {decision.Update.Status}");
        Assert.Equal(attemptsAfter, decision.Update.Attempts);
        if (status == MessageStatus.Pending) Assert.Equal(Now + TimeSpan.FromSeconds(nextInSeconds), decision.Update.NextAttemptAt);
        Assert.Equal(outcome, decision.Outcome);
        Assert.Equal(health, decision.Health);
        Assert.Equal(TimeSpan.FromSeconds(holdSeconds), decision.Hold);
        Assert.Equal(ageHours > 24 && status == MessageStatus.Dead && outcome is not ("rejected"), decision.Expired);
    }

    [Fact]
    public void DeadReasonsSayWhy()
    {
        var rejected = DeliveryDecision.Decide(Answer(DeliveryStatus.Rejected, 400, 40009, "invalid topic"), 0, Now, Retry, false, Now, 0.5);
        var exhausted = DeliveryDecision.Decide(Answer(DeliveryStatus.Failed, 500, null, "boom"), 2, Now, Retry, false, Now, 0.5);
        var expired = DeliveryDecision.Decide(Answer(DeliveryStatus.Failed, 503, null, "down"), 0, Now - TimeSpan.FromDays(2), Retry, false, Now, 0.5);

        Assert.Equal("ntfy rejected it: HTTP 400, code 40009: invalid topic", rejected.Update.DeadReason);
        Assert.Equal("gave up after 3 attempts: HTTP 500: boom", exhausted.Update.DeadReason);
        Assert.Equal("undelivered after 1 d (max_age); last: HTTP 503: down", expired.Update.DeadReason);
        Assert.Null(DeliveryDecision.Decide(Answer(DeliveryStatus.Delivered, 200), 0, Now, Retry, false, Now, 0.5).Update.LastError);
    }

    private static DeliveryOutcome Answer(DeliveryStatus status, int http, int? code = null, string detail = "x", double? retryAfter = null) =>
        new(status, http, code, detail, 1) { RetryAfter = retryAfter is { } s ? TimeSpan.FromSeconds(s) : null };
}
