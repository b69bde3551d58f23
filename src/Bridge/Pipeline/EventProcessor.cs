using Bridge.Configuration;
using Bridge.Mappings;
using Bridge.Messages;
using Bridge.Observability;
using Bridge.Storage;

namespace Bridge.Pipeline;

/// <summary>
/// Runs the matched rules' mappings for each committed event, after its 202 went out, and commits the messages they
/// make (or, for a mapping that fails, a dead message saying why). One event at a time, so messages are made in the
/// order events arrived; a slow mapping is bounded by the sandbox timeout.
/// </summary>
public sealed class EventProcessor(IEventQueue events, IBridgeStore store, Signal deliveries, MappingRunner runner, TimeProvider time, ILogger<EventProcessor> log,
    BridgeMetrics metrics)
    : BackgroundService
{
    /// <summary>The longest wait between tries to commit an event's messages while the store refuses.</summary>
    private static readonly TimeSpan MaxCommitRetry = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var pending in events.ReadAllAsync(stoppingToken))
            {
                // Mapping runs are synchronous CPU work; this loop is its own thread of work, never a request's.
                var (messages, mappingLog) = Process(pending);
                await CommitAsync(pending, messages, mappingLog, stoppingToken);
                foreach (var m in messages) if (m.Status == MessageStatus.Dead) metrics.DeadAtBirth(m.Destination);
                // After the commit, so whoever reads this (a person, a test) finds the messages in the store.
                log.LogDebug("Processed event {EventId}: {Queued} message(s) queued, {Dead} dead",
                    pending.EventId, messages.Count(m => m.Status == MessageStatus.Pending), messages.Count(m => m.Status == MessageStatus.Dead));
                deliveries.Set();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: events not processed stay committed and are processed at the next start.
        }
    }

    /// <summary>Retries until the store takes the messages: the event stays unprocessed meanwhile, so nothing is lost either way.</summary>
    private async Task CommitAsync(PendingEvent pending, List<NewMessage> messages, List<MappingRunLog> mappingLog, CancellationToken ct)
    {
        var wait = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await store.CompleteEventAsync(pending.Seq, messages, mappingLog, time.GetUtcNow(), ct);
                return;
            }
            catch (StoreUnavailableException e)
            {
                log.LogError("Cannot commit the {Count} messages of event {EventId}: {Reason}; trying again in {Wait}", messages.Count, pending.EventId, e.Message, wait);
                await Task.Delay(wait, time, ct);
                wait = wait * 2 < MaxCommitRetry ? wait * 2 : MaxCommitRetry;
            }
        }
    }

    private (List<NewMessage> Messages, List<MappingRunLog> MappingLog) Process(PendingEvent pending)
    {
        var messages = new List<NewMessage>();
        var mappingLog = new List<MappingRunLog>();
        var runtime = pending.Runtime;
        var now = time.GetUtcNow();
        foreach (var ruleName in pending.RulesToRun)
        {
            var rule = runtime.Rules.Find(ruleName);
            if (rule is null)
            {
                messages.Add(Dead(ruleName, 0, "", $"rule '{ruleName}' is no longer configured", now));
                log.LogError("Event {EventId} matched rule {Rule}, which the configuration no longer has; recorded as dead", pending.EventId, ruleName);
                continue;
            }
            var destinationName = rule.Config.Destination;
            if (pending.Event is not { } e)
            {
                messages.Add(Dead(ruleName, 0, destinationName, pending.Problem ?? "the event could not be rebuilt", now));
                log.LogError("Event {EventId} cannot be processed for rule {Rule}: {Reason}; recorded as dead", pending.EventId, ruleName, pending.Problem);
                continue;
            }
            if (!runtime.Config.Destinations.TryGetValue(destinationName, out var destination))
            {
                messages.Add(Dead(ruleName, 0, destinationName, $"destination '{destinationName}' is no longer configured", now));
                continue;
            }
            var source = runtime.Config.Sources[e.Source];
            var ctx = new MappingContext(rule.Name, rule.Config.Topic, destinationName, e.Source, source.BaseUrl);
            MappingOutcome outcome;
            var mappingStarted = time.GetTimestamp();
            try
            {
                outcome = runner.Run(runtime.Mappings, rule, e, ctx);
                metrics.MappingRan(rule.Name, time.GetElapsedTime(mappingStarted), outcome.Errors.Count > 0);
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Mapping for rule {Rule} crashed on event {EventId}; recorded as dead", rule.Name, e.Id);
                messages.Add(Dead(ruleName, 0, destinationName, $"the mapping crashed: {ex.GetType().Name}: {ex.Message}", now));
                continue;
            }
            if (outcome.Logs.Count > 0 || outcome.Errors.Count > 0)
                mappingLog.Add(new MappingRunLog(rule.Name, rule.Config.Mapping ?? "(built-in default)", outcome.Logs, [.. outcome.Errors.Select(er => er.ToString())]));
            foreach (var line in outcome.Logs) log.LogInformation("Mapping {Mapping} (rule {Rule}, event {EventId}) logged: {Line}", rule.Config.Mapping ?? "default", rule.Name, e.Id, line);
            if (outcome.Dropped) log.LogInformation("Mapping for rule {Rule} returned nothing for event {EventId}; no message", rule.Name, e.Id);

            var firstAttempt = now + destination.Retry.Schedule[0];
            for (var i = 0; i < outcome.Messages.Count; i++)
            {
                var message = outcome.Messages[i];
                // Redelivery after a crash then replaces the first copy on newer ntfy clients instead of doubling it.
                if (message.SequenceId is null) message = message with { SequenceId = DedupeKeys.SequenceId(pending.DedupeKey, rule.Name, i) };
                messages.Add(new NewMessage(rule.Name, i, destinationName, message.Topic, NtfyMessageJson.ToUtf8(message), MessageStatus.Pending, null, firstAttempt));
            }
            for (var j = 0; j < outcome.Errors.Count; j++)
            {
                var error = outcome.Errors[j];
                log.LogError("Mapping error for event {EventId}, rule {Rule}: {Error}; recorded as dead", e.Id, rule.Name, error.ToString());
                messages.Add(Dead(ruleName, outcome.Messages.Count + j, destinationName, $"mapping error: {error}", now));
            }
        }
        return (messages, mappingLog);
    }

    private static NewMessage Dead(string rule, int index, string destination, string reason, DateTimeOffset now) =>
        new(rule, index, destination, null, null, MessageStatus.Dead, reason, now);
}
