using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Bridge.Configuration;
using Bridge.Messages;
using Bridge.Observability;
using Bridge.Pipeline;
using Bridge.Storage;

namespace Bridge.Delivery;

/// <summary>
/// Sends due messages from the store, a few at a time per destination and one at a time per topic (so a topic's
/// messages arrive in order when nothing fails). Each send is one scheduled attempt; its outcome is recorded with the
/// message's next step: delivered, due again per the persisted schedule, or dead with the reason. A destination that
/// fails repeatedly is tripped and one probe at a time tests it; one that refuses the token is paused the same way and
/// its messages wait (until <see cref="RetryConfig.MaxAge"/>) instead of dying. On shutdown it stops claiming and gives
/// the sends under way <see cref="ShutdownGrace"/> to finish; the rest stays pending for the next start.
/// </summary>
public sealed class DeliveryWorker(IOutbox store, DestinationSenders senders, LiveRuntime live, Signal wake, TimeProvider time, ILogger<DeliveryWorker> log,
    BridgeMetrics metrics)
    : BackgroundService
{
    /// <summary>Sends at once per destination: enough to overlap a slow answer, few enough to stay under ntfy's rate limit.</summary>
    public const int MaxConcurrentPerDestination = 4;

    /// <summary>How long in-flight sends may run after shutdown begins.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    /// <summary>A claim outlives any attempt (timeout plus one reset retry); a crashed owner's claims free up after it.</summary>
    private static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(5);

    /// <summary>The longest the worker sleeps without looking at the store (a safety net; new messages wake it at once).</summary>
    private static readonly TimeSpan IdleLook = TimeSpan.FromSeconds(30);

    /// <summary>How often messages past their destination's max age are looked for.</summary>
    private static readonly TimeSpan ExpiryInterval = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _sendCancellation = new();
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private readonly ConcurrentDictionary<string, DestinationHealth> _health = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string?), Task> _topicTails = [];
    private readonly Lock _tailsGate = new();
    private DateTimeOffset _nextExpiry;

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
                var wait = wakeAt - time.GetUtcNow();
                if (wait <= TimeSpan.Zero) continue;
                // The timer is set before the line is logged, so a reader who moves the clock to WakeAt wakes this loop.
                var waiting = wake.WaitAsync(wait, time, stoppingToken);
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
            foreach (var destination in config.Destinations.Values)
            {
                var health = _health.GetOrAdd(destination.Name, static n => new DestinationHealth(n));
                var (slots, retryAt) = health.Allowance(now, destination, MaxConcurrentPerDestination);
                if (retryAt is { } at && at < wakeAt) wakeAt = at;
                // Held or paused: retryAt says when to look again. All slots busy: a finishing send wakes the loop.
                if (slots == 0) continue;
                var claimed = await store.ClaimAsync(destination.Name, ClaimOrder.BySequence, now, slots, ClaimLease, ct);
                foreach (var message in claimed) Start(message, destination, health);
                if (claimed.Count == slots)
                {
                    // More may be due: look again as soon as a slot frees up.
                    continue;
                }
                if (await store.GetNextDueAsync(destination.Name, ClaimOrder.BySequence, ct) is { } due && due < wakeAt) wakeAt = due;
            }
        }
        catch (StoreUnavailableException e)
        {
            log.LogError("Delivery cannot use the store: {Reason}; trying again shortly", e.Message);
            wakeAt = now + TimeSpan.FromSeconds(1);
        }
        return wakeAt;
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
                $"undelivered after {Describe(maxAge)} (max_age); the destination was {_health.GetValueOrDefault(destination.Name)?.Reason ?? "failing"}", ct);
            metrics.Expired(destination.Name, expired);
            if (expired > 0)
                log.LogError("{Count} messages to {Destination} were undelivered after {MaxAge} and are now dead; replay them once the destination works",
                    expired, destination.Name, Describe(maxAge));
        }
    }

    private void Start(OutboxLease lease, DestinationConfig destination, DestinationHealth health)
    {
        var message = lease.Message;
        health.Started();
        var probe = health.IsProbing;
        Task task;
        lock (_tailsGate)
        {
            // One send at a time per topic: a later message waits for the earlier one's attempt, so order holds.
            var key = (message.Destination, message.Topic);
            var previous = _topicTails.GetValueOrDefault(key) ?? Task.CompletedTask;
            task = SendAfterAsync(previous, lease, destination, health, probe);
            _topicTails[key] = task;
            _ = task.ContinueWith(t =>
            {
                lock (_tailsGate) if (_topicTails.TryGetValue(key, out var tail) && tail == t) _topicTails.Remove(key);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        _inFlight[message.Id] = task;
    }

    private async Task SendAfterAsync(Task previous, OutboxLease lease, DestinationConfig destination, DestinationHealth health, bool probe)
    {
        var message = lease.Message;
        try
        {
            await previous;
            // Yield so the claiming loop is not held up by the synchronous part of a send.
            await Task.Yield();
            await SendAsync(lease, destination, health, probe);
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

    private async Task SendAsync(OutboxLease lease, DestinationConfig destination, DestinationHealth health, bool probe)
    {
        var m = lease.Message;
        DeliveryOutcome outcome;
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        try
        {
            outcome = await SendOnceAsync(m, destination);
        }
        catch
        {
            // Nothing was judged: free the slot and the claim so neither leaks, then let the caller log it.
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

        var (attempt, update) = Judge(m, destination, health, probe, outcome, started, duration, now);
        var expired = update.Status == MessageStatus.Pending && now - m.CreatedAt >= destination.Retry.MaxAge;
        if (expired)
        {
            // Too old to wait any longer, whatever the destination's state: the sweep would end it, but it is in hand now.
            update = update with { Status = MessageStatus.Dead, DeadReason = $"undelivered after {Describe(destination.Retry.MaxAge)} (max_age); last: {update.LastError}" };
        }
        await store.SettleAsync([new Settlement(lease, attempt, update)], CancellationToken.None);
        metrics.Attempted(destination.Name, attempt.Outcome, update.Status);
        Log(m, destination, outcome, update, probe, expired);
    }

    private Task<DeliveryOutcome> SendOnceAsync(StoredMessage m, DestinationConfig destination)
    {
        var ntfy = JsonSerializer.Deserialize(m.Body!, NtfyJsonContext.Default.NtfyMessage)!;
        var outbound = new OutboundMessage(m.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), m.EventId, m.Rule, m.Destination, ntfy, m.CreatedAt) { Body = m.Body };
        return senders.For(destination).SendAsync(outbound, _sendCancellation.Token);
    }

    /// <summary>What an attempt's outcome means for the message and the destination.</summary>
    private (AttemptRecord, MessageUpdate) Judge(StoredMessage m, DestinationConfig destination, DestinationHealth health, bool probe,
        DeliveryOutcome o, DateTimeOffset started, TimeSpan duration, DateTimeOffset now)
    {
        var retry = destination.Retry;
        var error = Error(o);
        switch (o.Status)
        {
            case DeliveryStatus.Delivered or DeliveryStatus.DryRun:
            {
                if (health.Succeeded())
                    log.LogWarning("Destination {Destination} works again; delivering what waited", destination.Name);
                return (new AttemptRecord(m.Id, started, o.Status == DeliveryStatus.DryRun ? "dry_run" : "delivered", o.HttpStatus, null, o.Detail, duration),
                    new MessageUpdate(MessageStatus.Delivered, m.Attempts + 1, now, null, null));
            }
            case DeliveryStatus.Rejected when o.HttpStatus is 401 or 403:
                return Refused(m, destination, health, o, error, started, duration, now);
            case DeliveryStatus.Failed when o.HttpStatus == 429 && o.NtfyCode == 42909:
                // ntfy locked this IP out after failed logins: a credentials problem, whatever the status says.
                return Refused(m, destination, health, o, error, started, duration, now);
            case DeliveryStatus.Rejected:
            {
                if (health.Succeeded())
                    log.LogWarning("Destination {Destination} answers again", destination.Name);
                return (new AttemptRecord(m.Id, started, "rejected", o.HttpStatus, o.NtfyCode, o.Detail, duration),
                    new MessageUpdate(MessageStatus.Dead, m.Attempts + 1, now, error, $"ntfy rejected it: {error}"));
            }
            default:
            {
                var hold = RetrySchedule.Hold(o.HttpStatus, o.RetryAfter);
                if (health.Failed(now, retry, error, hold))
                    log.LogError("Destination {Destination} failed {Count} times in a row ({Reason}); sending one probe at a time until it answers",
                        destination.Name, DestinationHealth.TripAfter, error);
                var outcome = o.HttpStatus == 429 ? "rate_limited" : "failed";
                var record = new AttemptRecord(m.Id, started, outcome, o.HttpStatus, o.NtfyCode, o.Detail, duration);
                if (probe || o.HttpStatus == 429)
                {
                    // The destination's trouble, not the message's: its schedule is not spent.
                    return (record, new MessageUpdate(MessageStatus.Pending, m.Attempts, now + hold, error, null));
                }
                var used = m.Attempts + 1;
                if (RetrySchedule.Next(retry, used, now, o.RetryAfter, Random.Shared.NextDouble()) is { } next)
                    return (record, new MessageUpdate(MessageStatus.Pending, used, next, error, null));
                return (record, new MessageUpdate(MessageStatus.Dead, used, now, error, $"gave up after {used} attempts: {error}"));
            }
        }
    }

    private (AttemptRecord, MessageUpdate) Refused(StoredMessage m, DestinationConfig destination, DestinationHealth health, DeliveryOutcome o,
        string error, DateTimeOffset started, TimeSpan duration, DateTimeOffset now)
    {
        var hold = RetrySchedule.Hold(o.HttpStatus, o.RetryAfter);
        if (health.Refused(now, destination, error, hold))
            log.LogError("PAUSED destination {Destination}: ntfy refused the credentials ({Reason}). Messages wait (none is dropped) and one probe is sent at a time; fix the token (a config reload applies it)",
                destination.Name, error);
        var record = new AttemptRecord(m.Id, started, "paused", o.HttpStatus, o.NtfyCode, o.Detail, duration);
        // Its schedule is not spent; the max-age sweep ends it if the pause outlasts max_age.
        return (record, new MessageUpdate(MessageStatus.Pending, m.Attempts, now, error, null));
    }

    private static string Error(DeliveryOutcome o) =>
        o.HttpStatus is { } status ? $"HTTP {status}{(o.NtfyCode is { } code ? $", code {code}" : "")}: {o.Detail}" : o.Detail;

    /// <param name="expired">The message died of old age: whatever this answer was, that is the reason to report.</param>
    private void Log(StoredMessage m, DestinationConfig d, DeliveryOutcome o, MessageUpdate update, bool probe, bool expired)
    {
        switch (update.Status)
        {
            case MessageStatus.Delivered when o.Status == DeliveryStatus.DryRun:
                // The dry-run sender has logged the message itself.
                break;
            case MessageStatus.Delivered:
                log.LogInformation("Delivered message {MessageId} for event {EventId} (rule {Rule}) to {Destination} topic {Topic} after {Attempts} attempt(s): {Detail}",
                    m.Id, m.EventId, m.Rule, m.Destination, m.Topic, update.Attempts, o.Detail);
                break;
            case MessageStatus.Dead when o.Status == DeliveryStatus.Rejected && !expired:
                log.LogError("ntfy rejected message {MessageId} for event {EventId} (rule {Rule}, topic {Topic}): HTTP {HttpStatus}, code {NtfyCode}: {Detail}; dead, not retried",
                    m.Id, m.EventId, m.Rule, m.Topic, o.HttpStatus, o.NtfyCode, o.Detail);
                break;
            case MessageStatus.Dead:
                log.LogError("Gave up on message {MessageId} for event {EventId} (rule {Rule}) to {Destination} after {Attempts} attempt(s): {Detail}; dead",
                    m.Id, m.EventId, m.Rule, d.Name, update.Attempts, expired ? update.DeadReason : update.LastError);
                break;
            default:
                log.LogWarning("Attempt {Attempt} of message {MessageId} for event {EventId} to {Destination} failed ({Reason}){Probe}; next attempt at {NextAttemptAt:O}",
                    probe ? m.Attempts : update.Attempts, m.Id, m.EventId, d.Name, update.LastError, probe ? " as a probe" : "", update.NextAttemptAt);
                break;
        }
    }

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.TotalDays:0.#} d" : span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : $"{span.TotalMinutes:0.#} min";
}
