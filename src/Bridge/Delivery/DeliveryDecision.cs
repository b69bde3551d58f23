using Bridge.Configuration;
using Bridge.Storage;

namespace Bridge.Delivery;

/// <summary>What an answer says about the destination, for its health bookkeeping.</summary>
public enum HealthSignal
{
    /// <summary>ntfy answered about the message itself (stored it, or refused the message): the destination works.</summary>
    Answered,
    /// <summary>A transient failure (connection, timeout, 408, 5xx).</summary>
    Failed,
    /// <summary>ntfy's "too many requests" (42901, or a 429 without ntfy's code): slow the destination's pace.</summary>
    SlowedDown,
    /// <summary>ntfy's daily message quota is used up (42908): hold the destination until it resets, or use its fallback.</summary>
    QuotaReached,
    /// <summary>ntfy refused the credentials (401/403, or its 42909 lock-out): pause the destination.</summary>
    Refused,
}

/// <summary>What to do after one attempt, decided from the answer alone.</summary>
/// <param name="Update">The message's next state: delivered, due again, or dead with the reason.</param>
/// <param name="Outcome">The attempt's outcome as recorded: delivered, dry_run, rejected, failed, rate_limited, paused.</param>
/// <param name="Error">The answer as one line (status, ntfy's code and text, or the connection error); null after a success.</param>
/// <param name="Hold">How long the server asked the destination to be left alone (<c>Retry-After</c>); zero when it did not.</param>
/// <param name="Expired">The message died of old age (<c>max_age</c>), whatever this answer was.</param>
public sealed record DeliveryDecision(MessageUpdate Update, string Outcome, HealthSignal Health, string? Error, TimeSpan Hold, bool Expired)
{
    /// <summary>
    /// The delivery policy as a pure function of the answer: no clock, no health state, no logging (the worker does those
    /// with what this returns), so every case is one row of a table test.
    /// </summary>
    /// <param name="attemptsUsed">The message's scheduled attempts used before this one.</param>
    /// <param name="probe">The destination was tripped or paused and this was its probe: a failure does not spend the schedule.</param>
    /// <param name="random">A number in [0, 1) that places the retry's jitter.</param>
    public static DeliveryDecision Decide(DeliveryOutcome answer, int attemptsUsed, DateTimeOffset createdAt, RetryConfig retry, bool probe,
        DateTimeOffset now, double random)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(retry);
        var decision = DecideAnswer(answer, attemptsUsed, retry, probe, now, random);
        if (decision.Update.Status == MessageStatus.Pending && now - createdAt >= retry.MaxAge)
        {
            // Too old to wait any longer, whatever the destination's state.
            return decision with
            {
                Update = decision.Update with { Status = MessageStatus.Dead, DeadReason = $"undelivered after {Describe(retry.MaxAge)} (max_age); last: {decision.Error}" },
                Expired = true,
            };
        }
        return decision;
    }

    private static DeliveryDecision DecideAnswer(DeliveryOutcome o, int attemptsUsed, RetryConfig retry, bool probe, DateTimeOffset now, double random)
    {
        var error = Describe(o);
        var hold = RetrySchedule.Hold(o.RetryAfter);
        switch (o.Status)
        {
            case DeliveryStatus.Delivered or DeliveryStatus.DryRun:
                return new(new MessageUpdate(MessageStatus.Delivered, attemptsUsed + 1, now, null, null),
                    o.Status == DeliveryStatus.DryRun ? "dry_run" : "delivered", HealthSignal.Answered, null, TimeSpan.Zero, false);
            case DeliveryStatus.Rejected when o.HttpStatus is 401 or 403:
            case DeliveryStatus.Failed when o.HttpStatus == 429 && o.NtfyCode == 42909:
                // A credentials problem (42909: ntfy locked the IP out after failed logins), whatever the status says. The
                // schedule is not spent; max_age ends the message if the pause outlasts it.
                return new(new MessageUpdate(MessageStatus.Pending, attemptsUsed, now, error, null), "paused", HealthSignal.Refused, error, hold, false);
            case DeliveryStatus.Failed when o.HttpStatus == 429:
                // A rate limit is the destination's pace, never the message's fault: nothing is spent and nothing dies of it
                // (max_age aside). The destination's pace or hold says when it goes again; the message is due at once.
                return new(new MessageUpdate(MessageStatus.Pending, attemptsUsed, now + hold, error, null), "rate_limited",
                    o.NtfyCode == 42908 ? HealthSignal.QuotaReached : HealthSignal.SlowedDown, error, hold, false);
            case DeliveryStatus.Rejected:
                return new(new MessageUpdate(MessageStatus.Dead, attemptsUsed + 1, now, error, $"ntfy rejected it: {error}"), "rejected", HealthSignal.Answered, error, TimeSpan.Zero, false);
            case DeliveryStatus.Failed:
            {
                const string outcome = "failed";
                // The destination's trouble, not the message's: its schedule is not spent.
                if (probe)
                    return new(new MessageUpdate(MessageStatus.Pending, attemptsUsed, now + hold, error, null), outcome, HealthSignal.Failed, error, hold, false);
                var used = attemptsUsed + 1;
                var update = RetrySchedule.Next(retry, used, now, o.RetryAfter, random) is { } next
                    ? new MessageUpdate(MessageStatus.Pending, used, next, error, null)
                    : new MessageUpdate(MessageStatus.Dead, used, now, error, $"gave up after {used} attempts: {error}");
                return new(update, outcome, HealthSignal.Failed, error, hold, false);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(o), o.Status, "a cancelled send has no answer to decide on");
        }
    }

    private static string Describe(DeliveryOutcome o) =>
        o.HttpStatus is { } status ? $"HTTP {status}{(o.NtfyCode is { } code ? $", code {code}" : "")}: {o.Detail}" : o.Detail;

    public static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.TotalDays:0.#} d" : span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.###} s";
}
