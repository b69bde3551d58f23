using Bridge.Configuration;
using Bridge.Observability;
using Bridge.Pipeline;
using Bridge.Storage;

namespace Bridge.Throttles;

/// <summary>
/// Makes the digests of throttled rules: when a period ends, each of its rows that held events becomes one digest (the
/// rule's mapping on the period's latest held event, with <c>ctx.throttle</c>), committed with the row's removal. Periods
/// are aligned to the clock, so the worker wakes at the next period end of any throttled rule; on a shared store it also
/// looks as often as the event reader does, for the periods another instance's events made and a clock a little apart.
/// Timers run on the injected clock.
/// </summary>
public sealed class ThrottleWorker(IThrottles store, IEventLog events, EventMapper mapper, LiveRuntime live, Signal deliveries, TimeProvider time,
    BridgeMetrics metrics, ILogger<ThrottleWorker> log) : BackgroundService
{
    /// <summary>How often a bridge with no throttled rule looks at its configuration again (a reload may add one).</summary>
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between tries while the store refuses.</summary>
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = TimeSpan.FromMilliseconds(100);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                // At start-up too: the periods that ended while the bridge was down get their digests at once.
                if (ThrottledRules(live.Current) > 0 || events.LookAgainEvery is not null)
                {
                    try
                    {
                        var sent = await store.SendDueAsync(now, due => mapper.MapDigest(live.Current, due, now) ?? [], stoppingToken);
                        retry = TimeSpan.FromMilliseconds(100);
                        foreach (var digest in sent) Made(digest);
                        if (sent.Count > 0) deliveries.Set();
                    }
                    catch (StoreUnavailableException e)
                    {
                        log.LogError("Cannot make the throttles' digests: {Reason}; trying again in {Wait}", e.Message, retry);
                        await Task.Delay(retry, time, stoppingToken);
                        retry = retry * 2 < MaxRetry ? retry * 2 : MaxRetry;
                        continue;
                    }
                }
                var next = NextLook(live.Current, now);
                // From the clock as it is now, not as the look began: the look took time, and the period ends when it ends.
                var left = next - time.GetUtcNow();
                if (left <= TimeSpan.Zero) continue;
                var wait = Task.Delay(left, time, stoppingToken);
                // After the timer is set, so whoever moves a fake clock on this line cannot move it before the timer exists.
                log.LogDebug("Throttles idle until {WakeAt}", next);
                await wait;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the periods stay in the store; a digest due now is made at the next start.
        }
    }

    private void Made(DueDigest digest)
    {
        metrics.DigestMade(digest.Rule, digest.Held);
        log.LogInformation("Throttle of rule {Rule} for {Key}: digest of {Held} held events ({Passed} sent) for {From}..{Until} made",
            digest.Rule, ThrottleClaim.KeyJson(digest.Key), digest.Held, digest.Passed, digest.From, digest.Until);
    }

    private DateTimeOffset NextLook(BridgeRuntime runtime, DateTimeOffset now)
    {
        // A bridge on its own store knows every period's end from its rules; a shared one also looks as often as its event
        // reader, for the periods other instances' events made (under rules this one may not have) and a clock a little apart.
        DateTimeOffset? next = events.LookAgainEvery is { } every ? now + every : null;
        var nowMs = now.ToUnixTimeMilliseconds();
        foreach (var rule in runtime.Config.Rules)
        {
            if (rule.Throttle is not { } limit) continue;
            var end = DateTimeOffset.FromUnixTimeMilliseconds(ThrottleClaim.PeriodStartMs(nowMs, limit.Per)) + limit.Per;
            if (next is null || end < next) next = end;
        }
        return next ?? now + Idle;
    }

    private static int ThrottledRules(BridgeRuntime runtime) => runtime.Config.Rules.Count(r => r.Throttle is not null);
}
