using Bridge.Messages;
using Bridge.Storage;

namespace Bridge.Pipeline;

/// <summary>
/// Maps one committed event for one of its rules: runs the rule's mapping and turns what it returned into the messages
/// to commit (a dead one, with the reason, for each error) and the mapping's log. Thread-safe: the processor runs many
/// at once. The unit the processor schedules and commits.
/// </summary>
public sealed class EventMapper(MessageMaker maker, ILogger<EventMapper> log)
{
    /// <summary>Mapping runs the sandbox allows at once (<c>mapping_limits.max_concurrency</c>).</summary>
    public int MaxConcurrency => maker.MaxConcurrency;

    /// <summary>ntfy's "high" (4) and "max" (5): what a phone rings loudly for goes in the urgent lane.</summary>
    public const int UrgentPriority = 4;

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
        MadeMessages made;
        try
        {
            made = maker.Make(runtime, rule, e, pending.DedupeKey);
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Mapping for rule {Rule} crashed on event {EventId}; recorded as dead", rule.Name, e.Id);
            return Dead(pending, ruleName, destinationName, $"the mapping crashed: {ex.GetType().Name}: {ex.Message}", now);
        }
        MappingRunLog? runLog = null;
        if (made.Logs.Count > 0 || made.Errors.Count > 0)
            runLog = new MappingRunLog(rule.Name, rule.Config.Mapping ?? "(built-in default)", made.Logs, [.. made.Errors.Select(er => er.ToString())]);
        foreach (var line in made.Logs) log.LogInformation("Mapping {Mapping} (rule {Rule}, event {EventId}) logged: {Line}", rule.Config.Mapping ?? "default", rule.Name, e.Id, line);
        if (made.Dropped) log.LogInformation("Mapping for rule {Rule} returned nothing for event {EventId}; no message", rule.Name, e.Id);

        var firstAttempt = now + destination.Retry.Schedule[0];
        foreach (var ready in made.Messages)
        {
            messages.Add(new NewMessage(rule.Name, ready.Index, destinationName, ready.Message.Topic, ready.Body, MessageStatus.Pending, null, firstAttempt, ready.Message.SequenceId)
            {
                Lane = rule.Config.Urgent || ready.Message.Priority >= UrgentPriority ? MessageLane.Urgent : MessageLane.Normal,
            });
        }
        for (var j = 0; j < made.Errors.Count; j++)
        {
            var error = made.Errors[j];
            log.LogError("Mapping error for event {EventId}, rule {Rule}: {Error}; recorded as dead", e.Id, rule.Name, error.ToString());
            messages.Add(DeadMessage(ruleName, made.ErrorIndex(j), destinationName, $"mapping error: {error}", now));
        }
        return new MappedRule(pending.Seq, ruleName, messages, runLog);
    }

    internal static MappedRule Dead(PendingEvent pending, string rule, string destination, string reason, DateTimeOffset now) =>
        new(pending.Seq, rule, [DeadMessage(rule, 0, destination, reason, now)], null);

    private static NewMessage DeadMessage(string rule, int index, string destination, string reason, DateTimeOffset now) =>
        new(rule, index, destination, null, null, MessageStatus.Dead, reason, now);
}
