using System.Collections.Concurrent;
using System.Diagnostics;
using Bridge.Configuration;
using Bridge.Observability;
using Bridge.Pipeline;
using Bridge.Storage;

namespace Bridge.Delivery;

/// <summary>
/// Sends due messages from the store. Per destination it claims, in one batch, as many as may go (up to
/// <see cref="DestinationConfig.MaxInFlight"/> on the wire), starting them in claim order, so a topic's messages leave in
/// order; the outbox never hands out a message while an older one with its <c>sequence_id</c> is pending, so an update
/// never overtakes what it updates (<c>ordered: strict</c>: one at a time, topic by topic). Each send is one scheduled
/// attempt; <see cref="DeliveryDecision"/> says what its answer means, and the attempts that finish together are
/// recorded in one commit. A destination that fails repeatedly is tripped and one probe at a time tests it; one that
/// refuses the token is paused the same way and its messages wait (until <see cref="RetryConfig.MaxAge"/>) instead of
/// dying. On shutdown it stops claiming and gives the sends under way <see cref="ShutdownGrace"/> to finish; the rest
/// stays pending for the next start.
/// </summary>
public sealed class DeliveryWorker(IOutbox store, IDestinationStates states, DestinationSenders senders, LiveRuntime live, Signal wake, TimeProvider time,
    ILogger<DeliveryWorker> log, BridgeMetrics metrics)
    : BackgroundService
{
    /// <summary>How long in-flight sends may run after shutdown begins.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    /// <summary>The longest the worker sleeps without looking at the store (a safety net; new messages wake it at once).</summary>
    private static readonly TimeSpan IdleLook = TimeSpan.FromSeconds(30);

    /// <summary>How often messages past their destination's max age are looked for.</summary>
    private static readonly TimeSpan ExpiryInterval = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _sendCancellation = new();
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private readonly ConcurrentDictionary<string, DestinationHealth> _health = new(StringComparer.Ordinal);
    private readonly SettlementBatcher _settlements = new(store);
    private DateTimeOffset _nextExpiry;

    /// <summary>This process among the bridges sharing the store, as the owner of the probes it sends.</summary>
    private readonly string _instance = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Each destination's health, for status and the admin API.</summary>
    public IReadOnlyCollection<DestinationHealth> Destinations => [.. _health.Values];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A reload may fix what paused a destination (its token): look again now rather than at the next probe.
        live.Replaced += wake.Set;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wakeAt = await RoundAsync(stoppingToken);
                if (wakeAt <= time.GetUtcNow()) continue;
                // The timer is set before the line is logged, so a reader who moves the clock to WakeAt wakes this loop.
                var waiting = wake.WaitAsync(wakeAt, time, stoppingToken);
                log.LogDebug("Delivery idle until {WakeAt:O}, {InFlight} send(s) under way", wakeAt, _inFlight.Count);
                await waiting;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: fall through to drain what is under way.
        }
        _sendCancellation.CancelAfter(ShutdownGrace);
        await Task.WhenAll(_inFlight.Values);
        await _settlements.DisposeAsync();
    }

    public override void Dispose()
    {
        live.Replaced -= wake.Set;
        _sendCancellation.Dispose();
        base.Dispose();
    }

    /// <summary>Claims and starts what may go now, for every destination; returns when to look again.</summary>
    private async Task<DateTimeOffset> RoundAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var wakeAt = now + IdleLook;
        var config = live.Current.Config;
        try
        {
            if (now >= _nextExpiry)
            {
                _nextExpiry = now + ExpiryInterval;
                await ExpireAsync(config, now, ct);
            }
            foreach (var destination in config.Destinations.Values) wakeAt = await DestinationRoundAsync(destination, now, wakeAt, ct);
        }
        catch (StoreUnavailableException e)
        {
            log.LogError("Delivery cannot use the store: {Reason}; trying again shortly", e.Message);
            wakeAt = now + TimeSpan.FromSeconds(1);
        }
        return wakeAt;
    }

    /// <summary>Claims and starts what may go now for one destination, within its slots and tokens; returns when to look again.</summary>
    private async Task<DateTimeOffset> DestinationRoundAsync(DestinationConfig destination, DateTimeOffset now, DateTimeOffset wakeAt, CancellationToken ct)
    {
        var health = _health.GetOrAdd(destination.Name, n => new DestinationHealth(n, states, _instance));
        var (slots, retryAt) = await health.AllowanceAsync(now, destination, destination.MaxInFlight, ct);
        // On the state just read, so a hold another instance's 42908 began moves this instance's messages too; once nothing
        // is under way, so no answer still to come is left behind.
        if (destination.Fallback is { } fallback && health.InFlight == 0 && health.QuotaHeld(now)) await MoveToFallbackAsync(destination, fallback, health, now, ct);
        if (retryAt is { } at && at < wakeAt) wakeAt = at;
        // Held or paused: retryAt says when to look again. All slots busy: a finishing send wakes the loop.
        if (slots == 0) return wakeAt;
        var order = destination.StrictOrder ? ClaimOrder.StrictPerTopic : ClaimOrder.BySequence;
        var (tokens, tokenAt) = await health.Pace.TakeAsync(now, destination.Pace, slots, ct);
        if (tokens == 0)
        {
            // Out of tokens: look again at the next one, if a message is due by then (a new one wakes the loop anyway).
            var due = await store.GetNextDueAsync(destination.Name, order, ct);
            Paced(destination, health, due is { } d && d <= now);
            var next = due is { } waiting && waiting > tokenAt!.Value ? waiting : tokenAt!.Value;
            return due is not null && next < wakeAt ? next : wakeAt;
        }
        slots = tokens;
        // The lease (storage.lease) outlives any attempt; an outbox that persists leases frees a crashed holder's after it.
        var claimed = await store.ClaimAsync(destination.Name, order, now, slots, live.Current.Config.Storage.Lease, ct);
        // Tokens for sends that found no message go back to the bucket, for the other instances sharing it.
        await health.Pace.GiveBackAsync(now, destination.Pace, slots - claimed.Count, ct);
        foreach (var lease in claimed) Start(lease, destination, health);
        if (claimed.Count < slots) Paced(destination, health, false);
        // All slots taken, or sends under way: each one that finishes wakes the loop, which looks again then.
        if (claimed.Count == slots || health.InFlight > 0) return wakeAt;
        return await store.GetNextDueAsync(destination.Name, order, ct) is { } next2 && next2 < wakeAt ? next2 : wakeAt;
    }

    /// <summary>Whether due messages wait for the destination's tokens; its changes are logged once each.</summary>
    private void Paced(DestinationConfig destination, DestinationHealth health, bool waiting)
    {
        if (waiting == health.Pace.Waiting) return;
        health.Pace.Waiting = waiting;
        if (waiting)
            log.LogWarning("Destination {Destination} is paced: its messages wait for tokens (one send per {Per} after a burst of {Burst}), so ntfy's limit is not hit; none is dropped",
                destination.Name, DeliveryDecision.Describe(health.Pace.Describe(time.GetUtcNow(), destination.Pace)!.Value.Per), destination.Pace!.Burst);
        else log.LogInformation("Destination {Destination} has caught up: no message waits for a token", destination.Name);
    }

    private async Task MoveToFallbackAsync(DestinationConfig destination, string fallback, DestinationHealth health, DateTimeOffset now, CancellationToken ct)
    {
        var moved = await store.MoveAsync(destination.Name, fallback, now, $"moved from {destination.Name} to its fallback {fallback}: {health.HoldReason}", ct);
        if (moved == 0) return;
        metrics.MovedToFallback(destination.Name, fallback, moved);
        log.LogWarning("{Count} waiting messages of {Destination} moved to its fallback {Fallback} ({Reason})", moved, destination.Name, fallback, health.HoldReason);
        // The fallback may have had its turn in this round already.
        wake.Set();
    }

    private async Task ExpireAsync(BridgeConfig config, DateTimeOffset now, CancellationToken ct)
    {
        // Messages for a destination the configuration no longer has could never be sent: say so instead of waiting forever.
        foreach (var name in await store.GetDestinationsWithPendingAsync(ct))
        {
            if (config.Destinations.ContainsKey(name)) continue;
            var orphaned = await store.ExpireAsync(name, DateTimeOffset.MaxValue, now, $"destination '{name}' is no longer configured", ct);
            metrics.Expired(name, orphaned);
            if (orphaned > 0)
                log.LogError("{Count} messages for destination {Destination}, which the configuration no longer has, are now dead; replay them after adding it back", orphaned, name);
        }
        foreach (var destination in config.Destinations.Values)
        {
            var maxAge = destination.Retry.MaxAge;
            var expired = await store.ExpireAsync(destination.Name, now - maxAge, now,
                $"undelivered after {DeliveryDecision.Describe(maxAge)} (max_age); the destination was {_health.GetValueOrDefault(destination.Name)?.Reason ?? "failing"}", ct);
            metrics.Expired(destination.Name, expired);
            if (expired > 0)
                log.LogError("{Count} messages to {Destination} were undelivered after {MaxAge} and are now dead; replay them once the destination works",
                    expired, destination.Name, DeliveryDecision.Describe(maxAge));
        }
    }

    private void Start(OutboxLease lease, DestinationConfig destination, DestinationHealth health)
    {
        health.Started();
        var probe = health.IsProbing;
        // Taken here, in claim order: the attempts' start times show a topic's messages left in order.
        var started = time.GetUtcNow();
        // Registered before it runs, so a send that finishes at once still leaves the in-flight set.
        var send = new Task<Task>(() => SendGuardedAsync(lease, destination, health, probe, started));
        _inFlight[lease.Message.Id] = send.Unwrap();
        send.Start(TaskScheduler.Default);
    }

    private async Task SendGuardedAsync(OutboxLease lease, DestinationConfig destination, DestinationHealth health, bool probe, DateTimeOffset started)
    {
        var message = lease.Message;
        try
        {
            await SendAsync(lease, destination, health, probe, started);
        }
        catch (Exception e)
        {
            log.LogError(e, "Delivering message {MessageId} for event {EventId} failed unexpectedly; it stays pending", message.Id, message.EventId);
        }
        finally
        {
            _inFlight.TryRemove(message.Id, out _);
            wake.Set();
        }
    }

    private async Task SendAsync(OutboxLease lease, DestinationConfig destination, DestinationHealth health, bool probe, DateTimeOffset started)
    {
        var m = lease.Message;
        DeliveryOutcome outcome;
        var clock = Stopwatch.StartNew();
        try
        {
            outcome = await SendOnceAsync(m, destination);
        }
        catch
        {
            // Nothing was judged: free the slot and the lease so neither leaks, then let the caller log it.
            health.Abandoned();
            await store.ReleaseAsync([lease], CancellationToken.None);
            throw;
        }
        var duration = clock.Elapsed;
        var now = time.GetUtcNow();

        if (outcome.Status == DeliveryStatus.Cancelled)
        {
            health.Abandoned();
            await store.ReleaseAsync([lease], CancellationToken.None);
            log.LogWarning("Delivery of message {MessageId} for event {EventId} was cut short by shutdown; it stays pending", m.Id, m.EventId);
            return;
        }

        var decision = DeliveryDecision.Decide(outcome, m.Attempts, m.CreatedAt, destination.Retry, probe, now, Random.Shared.NextDouble());
        try
        {
            await RecordAsync(decision, destination, health, probe, now, started);
        }
        catch (StoreUnavailableException e)
        {
            // The attempt is still recorded below; the destination's state is decided again on its next answer.
            log.LogError("Cannot record the state of destination {Destination}: {Reason}", destination.Name, e.Message);
        }
        if (outcome.HttpStatus == 429) metrics.RateLimited(destination.Name, outcome.NtfyCode);
        // The slot is free once ntfy answered: the next send need not wait for this attempt's commit (an fsync). The lease
        // holds until the settlement commits, so no claim meanwhile hands out this message, nor (the outbox's rule) a
        // later one with its sequence_id; the wake after the settlement lets those go.
        wake.Set();
        var attempt = new AttemptRecord(m.Id, started, decision.Outcome, outcome.HttpStatus, decision.Outcome is "delivered" or "dry_run" ? null : outcome.NtfyCode, outcome.Detail, duration);
        try
        {
            await _settlements.SettleAsync(new Settlement(lease, attempt, decision.Update));
        }
        catch (StoreUnavailableException e)
        {
            log.LogError("Cannot record the attempt of message {MessageId} for event {EventId}: {Reason}; it stays pending and is sent again", m.Id, m.EventId, e.Message);
            return;
        }
        metrics.Attempted(destination.Name, attempt.Outcome, decision.Update.Status);
        Log(m, destination, outcome, decision, probe);
    }

    // Only pending messages are claimed, and every pending message has its body.
    private Task<DeliveryOutcome> SendOnceAsync(StoredMessage m, DestinationConfig destination) =>
        senders.SendAsync(destination, new OutboundMessage(m.Id, m.EventId, m.Rule, m.Destination, m.Body!), _sendCancellation.Token);

    /// <summary>The destination's side of an answer: health bookkeeping, and a log line when its state changes.</summary>
    private async Task RecordAsync(DeliveryDecision decision, DestinationConfig destination, DestinationHealth health, bool probe, DateTimeOffset now,
        DateTimeOffset started)
    {
        if (decision.Health == HealthSignal.Answered) health.Pace.Succeeded(destination.Pace);
        // Only the instance whose change won logs it: the others saw it done.
        var changed = decision.Health switch
        {
            HealthSignal.Answered => await health.SucceededAsync(now, CancellationToken.None),
            HealthSignal.Failed => await health.FailedAsync(now, destination.Retry, decision.Error!, decision.Hold, probe, CancellationToken.None),
            HealthSignal.SlowedDown => await health.SlowedDownAsync(now, destination.Pace, decision.Error!, decision.Hold, started, CancellationToken.None),
            HealthSignal.QuotaReached => await health.QuotaReachedAsync(now, NtfyQuota.HoldUntil(now), decision.Error!, CancellationToken.None),
            _ => await health.RefusedAsync(now, destination, decision.Error!, decision.Hold, CancellationToken.None),
        };
        switch (decision.Health)
        {
            case HealthSignal.Answered when changed:
                if (decision.Update.Status == MessageStatus.Delivered) log.LogWarning("Destination {Destination} works again; delivering what waited", destination.Name);
                else log.LogWarning("Destination {Destination} answers again", destination.Name);
                break;
            case HealthSignal.Failed when changed:
                log.LogError("Destination {Destination} failed {Count} times in a row ({Reason}); sending one probe at a time until it answers",
                    destination.Name, DestinationHealth.TripAfter, decision.Error);
                break;
            case HealthSignal.SlowedDown when changed:
                if (health.Pace.Describe(now, destination.Pace) is { Per: var per })
                    log.LogWarning("ntfy asked destination {Destination} to slow down ({Reason}); pacing it at one send per {Per} until its limit has refilled; nothing is dropped",
                        destination.Name, decision.Error, DeliveryDecision.Describe(per));
                else
                    log.LogWarning("ntfy asked destination {Destination} to slow down ({Reason}); holding it until {HoldUntil:O} (it has rate: none: is the bridge exempt from ntfy's limit?); nothing is dropped",
                        destination.Name, decision.Error, health.HoldUntil);
                break;
            case HealthSignal.QuotaReached when changed:
                if (destination.Fallback is { } fallback)
                    log.LogError("HOLDING destination {Destination}: ntfy's daily message quota is used up ({Reason}); its waiting messages move to its fallback {Fallback}, and it is tried again at {HoldUntil:O}",
                        destination.Name, decision.Error, fallback, health.HoldUntil);
                else
                    log.LogError("HOLDING destination {Destination}: ntfy's daily message quota is used up ({Reason}); its messages wait (none is dropped) until {HoldUntil:O}, after ntfy resets it at midnight UTC",
                        destination.Name, decision.Error, health.HoldUntil);
                break;
            case HealthSignal.Refused when changed:
                log.LogError("PAUSED destination {Destination}: ntfy refused the credentials ({Reason}). Messages wait (none is dropped) and one probe is sent at a time; fix the token (a config reload applies it)",
                    destination.Name, decision.Error);
                break;
        }
    }

    private void Log(StoredMessage m, DestinationConfig d, DeliveryOutcome o, DeliveryDecision decision, bool probe)
    {
        var update = decision.Update;
        switch (update.Status)
        {
            case MessageStatus.Delivered when o.Status == DeliveryStatus.DryRun:
                // The dry-run sender has logged the message itself.
                break;
            case MessageStatus.Delivered:
                log.LogInformation("Delivered message {MessageId} for event {EventId} (rule {Rule}) to {Destination} topic {Topic} after {Attempts} attempt(s): {Detail}",
                    m.Id, m.EventId, m.Rule, m.Destination, m.Topic, update.Attempts, o.Detail);
                break;
            case MessageStatus.Dead when o.Status == DeliveryStatus.Rejected && !decision.Expired:
                log.LogError("ntfy rejected message {MessageId} for event {EventId} (rule {Rule}, topic {Topic}): HTTP {HttpStatus}, code {NtfyCode}: {Detail}; dead, not retried",
                    m.Id, m.EventId, m.Rule, m.Topic, o.HttpStatus, o.NtfyCode, o.Detail);
                break;
            case MessageStatus.Dead:
                log.LogError("Gave up on message {MessageId} for event {EventId} (rule {Rule}) to {Destination} after {Attempts} attempt(s): {Detail}; dead",
                    m.Id, m.EventId, m.Rule, d.Name, update.Attempts, decision.Expired ? update.DeadReason : update.LastError);
                break;
            default:
                log.LogWarning("Attempt {Attempt} of message {MessageId} for event {EventId} to {Destination} failed ({Reason}){Probe}; next attempt at {NextAttemptAt:O}",
                    probe ? m.Attempts : update.Attempts, m.Id, m.EventId, d.Name, update.LastError, probe ? " as a probe" : "", update.NextAttemptAt);
                break;
        }
    }
}
