using Bridge.Mappings;
using Bridge.Messages;
using Bridge.Storage;

namespace Bridge.Pipeline;

/// <summary>
/// Maps one committed event for one of its rules: runs the rule's mapping and turns what it returned into the messages
/// to commit (a dead one, with the reason, for each error) and the mapping's log. Thread-safe: the processor runs many
/// at once. The unit the processor schedules and commits.
/// </summary>
public sealed class EventMapper(MappingRunner runner, ILogger<EventMapper> log)
{
    /// <summary>Mapping runs the sandbox allows at once (<c>mapping_limits.max_concurrency</c>).</summary>
    public int MaxConcurrency => runner.Limits.MaxConcurrency;

    public MappedRule Map(PendingEvent pending, string ruleName, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var messages = new List<NewMessage>();
        var runtime = pending.Runtime;
        var rule = runtime.Rules.Find(ruleName);
        if (rule is null)
        {
            log.LogError("Event {EventId} matched rule {Rule}, which the configuration no longer has; recorded as dead", pending.EventId, ruleName);
            return Dead(pending, ruleName, "", $"rule '{ruleName}' is no longer configured", now);
        }
        var destinationName = rule.Config.Destination;
        if (pending.Event is not { } e)
        {
            log.LogError("Event {EventId} cannot be processed for rule {Rule}: {Reason}; recorded as dead", pending.EventId, ruleName, pending.Problem);
            return Dead(pending, ruleName, destinationName, pending.Problem ?? "the event could not be rebuilt", now);
        }
        if (!runtime.Config.Destinations.TryGetValue(destinationName, out var destination))
            return Dead(pending, ruleName, destinationName, $"destination '{destinationName}' is no longer configured", now);
        var source = runtime.Config.Sources[e.Source];
        var ctx = new MappingContext(rule.Name, rule.Config.Topic, destinationName, e.Source, source.BaseUrl);
        MappingOutcome outcome;
        try
        {
            outcome = runner.Run(runtime.Mappings, rule, e, ctx);
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Mapping for rule {Rule} crashed on event {EventId}; recorded as dead", rule.Name, e.Id);
            return Dead(pending, ruleName, destinationName, $"the mapping crashed: {ex.GetType().Name}: {ex.Message}", now);
        }
        MappingRunLog? runLog = null;
        if (outcome.Logs.Count > 0 || outcome.Errors.Count > 0)
            runLog = new MappingRunLog(rule.Name, rule.Config.Mapping ?? "(built-in default)", outcome.Logs, [.. outcome.Errors.Select(er => er.ToString())]);
        foreach (var line in outcome.Logs) log.LogInformation("Mapping {Mapping} (rule {Rule}, event {EventId}) logged: {Line}", rule.Config.Mapping ?? "default", rule.Name, e.Id, line);
        if (outcome.Dropped) log.LogInformation("Mapping for rule {Rule} returned nothing for event {EventId}; no message", rule.Name, e.Id);

        var firstAttempt = now + destination.Retry.Schedule[0];
        for (var i = 0; i < outcome.Messages.Count; i++)
        {
            var message = outcome.Messages[i];
            // Redelivery after a crash then replaces the first copy on newer ntfy clients instead of doubling it.
            if (message.SequenceId is null) message = message with { SequenceId = DedupeKeys.SequenceId(pending.DedupeKey, rule.Name, i) };
            messages.Add(new NewMessage(rule.Name, i, destinationName, message.Topic, NtfyMessageJson.ToUtf8(message), MessageStatus.Pending, null, firstAttempt, message.SequenceId));
        }
        for (var j = 0; j < outcome.Errors.Count; j++)
        {
            var error = outcome.Errors[j];
            log.LogError("Mapping error for event {EventId}, rule {Rule}: {Error}; recorded as dead", e.Id, rule.Name, error.ToString());
            messages.Add(DeadMessage(ruleName, outcome.Messages.Count + j, destinationName, $"mapping error: {error}", now));
        }
        return new MappedRule(pending.Seq, ruleName, messages, runLog);
    }

    internal static MappedRule Dead(PendingEvent pending, string rule, string destination, string reason, DateTimeOffset now) =>
        new(pending.Seq, rule, [DeadMessage(rule, 0, destination, reason, now)], null);

    private static NewMessage DeadMessage(string rule, int index, string destination, string reason, DateTimeOffset now) =>
        new(rule, index, destination, null, null, MessageStatus.Dead, reason, now);
}
