using Bridge.Configuration;
using Bridge.Events;
using Bridge.Incidents;
using Bridge.Messages;
using Bridge.Rules;
using Bridge.Storage;

namespace Bridge.Pipeline;

/// <summary>
/// Maps one committed event for one of its rules: runs the rule's mapping and turns what it returned into the messages
/// to commit (a dead one, with the reason, for each error) and the mapping's log. A grouped rule's event runs no mapping
/// here: it is counted into its incident in the store's commit, and the incident worker makes the cards through
/// <see cref="MapCard"/>. Thread-safe: the processor runs many at once. The unit the processor schedules and commits.
/// </summary>
public sealed class EventMapper(MessageMaker maker, ILogger<EventMapper> log)
{
    /// <summary>
    /// The messages of a card the incident worker makes are kept under the incident's latest event, from this index on
    /// (then a stride per card), apart from those the event's own mapping made.
    /// </summary>
    public const int CardIndexBase = 1000;

    private const int CardIndexStride = 100;

    /// <summary>Mapping runs the sandbox allows at once (<c>mapping_limits.max_concurrency</c>).</summary>
    public int MaxConcurrency => maker.MaxConcurrency;

    /// <summary>ntfy's "max" (5), or a rule marked urgent: the top lane; "high" (4) the one below; the rest the normal one.</summary>
    public static MessageLane LaneOf(Configuration.RuleConfig rule, int? priority)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return rule.Urgent || priority == 5 ? MessageLane.Urgent : priority == 4 ? MessageLane.High : MessageLane.Normal;
    }

    public MappedRule Map(PendingEvent pending, string ruleName, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pending);
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
        if (rule.Config.Group is { } grouping)
        {
            // Its line (which incident holds it) is added when the commit has counted it in.
            return new MappedRule(pending.Seq, ruleName, [], new MappingRunLog(rule.Name, rule.Config.Mapping ?? "(built-in default)", [], []))
            {
                Group = new IncidentJoin(rule.Name, grouping, e, pending.Seq, pending.DedupeKey, now),
            };
        }
        var messages = Messages(runtime, rule, e, destination, pending.DedupeKey, null, 0, now, out var runLog);
        return new MappedRule(pending.Seq, ruleName, messages, runLog);
    }

    /// <summary>
    /// The messages of a card the clock made due (the first card, an update, the closing card), made from the incident's
    /// latest event, each in the incident's lane at least (so its closing card goes where its other cards went); null
    /// when its rule or destination is no longer configured (nothing to send it with).
    /// </summary>
    public IReadOnlyList<NewMessage>? MapCard(BridgeRuntime runtime, DueCard due, BridgeEvent lastEvent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(due);
        var state = due.View.State;
        if (runtime.Rules.Find(state.Rule) is not { Config.Group: not null } rule
            || !runtime.Config.Destinations.TryGetValue(rule.Config.Destination, out var destination))
        {
            log.LogWarning("Incident {Incident} of rule {Rule} cannot send its {Phase} card: the rule, its group or its destination is no longer configured",
                state.Id, state.Rule, due.View.Phase);
            return null;
        }
        var messages = Messages(runtime, rule, lastEvent, destination, state.Id, due.View, CardIndexBase + state.Cards * CardIndexStride, now, out _);
        return [.. messages.Select(m => m.Lane < state.Lane ? m with { Lane = state.Lane } : m)];
    }

    private List<NewMessage> Messages(BridgeRuntime runtime, CompiledRule rule, BridgeEvent e, DestinationConfig destination, string dedupeKey,
        GroupView? card, int indexBase, DateTimeOffset now, out MappingRunLog? runLog)
    {
        runLog = null;
        var destinationName = rule.Config.Destination;
        MadeMessages made;
        try
        {
            made = maker.Make(runtime, rule, e, dedupeKey, card);
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Mapping for rule {Rule} crashed on event {EventId}; recorded as dead", rule.Name, e.Id);
            return [DeadMessage(rule.Name, indexBase, destinationName, $"the mapping crashed: {ex.GetType().Name}: {ex.Message}", now)];
        }
        if (made.Logs.Count > 0 || made.Errors.Count > 0)
            runLog = new MappingRunLog(rule.Name, rule.Config.Mapping ?? "(built-in default)", made.Logs, [.. made.Errors.Select(er => er.ToString())]);
        foreach (var line in made.Logs) log.LogInformation("Mapping {Mapping} (rule {Rule}, event {EventId}) logged: {Line}", rule.Config.Mapping ?? "default", rule.Name, e.Id, line);
        if (made.Dropped) log.LogInformation("Mapping for rule {Rule} returned nothing for event {EventId}; no message", rule.Name, e.Id);

        var messages = new List<NewMessage>(made.Messages.Count + made.Errors.Count);
        var firstAttempt = now + destination.Retry.Schedule[0];
        foreach (var ready in made.Messages)
        {
            messages.Add(new NewMessage(rule.Name, indexBase + ready.Index, destinationName, ready.Message.Topic, ready.Body, MessageStatus.Pending, null, firstAttempt, ready.Message.SequenceId)
            {
                Lane = LaneOf(rule.Config, ready.Message.Priority),
            });
        }
        for (var j = 0; j < made.Errors.Count; j++)
        {
            var error = made.Errors[j];
            log.LogError("Mapping error for event {EventId}, rule {Rule}: {Error}; recorded as dead", e.Id, rule.Name, error.ToString());
            messages.Add(DeadMessage(rule.Name, indexBase + made.ErrorIndex(j), destinationName, $"mapping error: {error}", now));
        }
        return messages;
    }

    internal static MappedRule Dead(PendingEvent pending, string rule, string destination, string reason, DateTimeOffset now) =>
        new(pending.Seq, rule, [DeadMessage(rule, 0, destination, reason, now)], null);

    private static NewMessage DeadMessage(string rule, int index, string destination, string reason, DateTimeOffset now) =>
        new(rule, index, destination, null, null, MessageStatus.Dead, reason, now);
}
