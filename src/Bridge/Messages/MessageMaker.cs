using Bridge.Configuration;
using Bridge.Events;
using Bridge.Incidents;
using Bridge.Mappings;
using Bridge.Rules;
using Bridge.Silences;
using Bridge.Storage;

namespace Bridge.Messages;

/// <summary>
/// The one way from an event and a rule to the bytes POSTed to ntfy: builds the mapping's <c>ctx</c>, runs the mapping,
/// gives each message without one its <c>sequence_id</c>, and only then fits the body into ntfy's limit, so the id can never
/// push a message past it. <c>serve</c>, <c>bridge try</c> and <c>bridge test</c> all make messages here. Thread-safe.
/// </summary>
/// <param name="mute">Signs the mute button (<c>ctx.mute</c>): the store's key in <c>serve</c>, <see cref="MuteLinks.Preview"/> elsewhere.</param>
public sealed class MessageMaker(MappingRunner runner, MuteLinks mute)
{
    /// <summary>The same maker with placeholder mute buttons, for the playground: a page anyone with the dashboard can use signs nothing.</summary>
    public MessageMaker Previewing => field ??= mute == MuteLinks.Preview ? this : new MessageMaker(runner, MuteLinks.Preview);

    /// <summary>Mapping runs the sandbox allows at once (<c>mapping_limits.max_concurrency</c>).</summary>
    public int MaxConcurrency => runner.Limits.MaxConcurrency;

    /// <summary>Runs <paramref name="rule"/>'s mapping on <paramref name="e"/>, as <c>serve</c> does. Never throws for script problems.</summary>
    /// <param name="dedupeKey">The event's de-duplication key (the store's, for a stored event), from which the <c>sequence_id</c> is made.</param>
    /// <param name="group">The incident card to make, for a grouped rule; null makes the card of a group this event alone opened.</param>
    /// <param name="throttle">The period whose digest to make, for a throttled rule; null for the event's own messages.</param>
    public MadeMessages Make(BridgeRuntime runtime, CompiledRule rule, BridgeEvent e, string dedupeKey, GroupView? group = null, Throttles.ThrottleView? throttle = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(e);
        var ctx = MappingContext.For(rule.Config, runtime.Config.Sources[e.Source], runtime.Config.Server.PublicUrl) with { Group = group, Throttle = throttle };
        return Make(runtime, rule, e, dedupeKey, ctx);
    }

    /// <summary>As <see cref="Make(BridgeRuntime, CompiledRule, BridgeEvent, string, GroupView, Throttles.ThrottleView)"/>, with a <c>ctx</c> a test case changed.</summary>
    public MadeMessages Make(BridgeRuntime runtime, CompiledRule rule, BridgeEvent e, string dedupeKey, MappingContext ctx)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(ctx);
        ctx = WithMute(ctx.WithGroupOf(rule.Config, e, dedupeKey, runner.Time.GetUtcNow()), e);
        return Finish(runner.Run(runtime.Mappings, rule, e, ctx), rule.Config.Mapping ?? CompiledMapping.DefaultName, rule.Name, dedupeKey, ctx.Group);
    }

    /// <summary>Runs one mapping with no rule around it (a mapping-only test); <paramref name="ctx"/> names the rule the id is made for.</summary>
    public MadeMessages Make(CompiledMapping mapping, BridgeEvent e, MappingContext ctx, string dedupeKey)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(ctx);
        ctx = WithMute(ctx, e);
        return Finish(runner.Run(mapping, e, ctx), mapping.Name, ctx.Rule, dedupeKey, ctx.Group);
    }

    private MappingContext WithMute(MappingContext ctx, BridgeEvent e) =>
        ctx.Mute is null ? ctx with { Mute = mute.For(ctx, e, ctx.Now ?? runner.Time.GetUtcNow()) } : ctx;

    /// <param name="group">An incident card's messages carry the incident's ids, whatever the mapping set, so each card replaces the last.</param>
    private static MadeMessages Finish(MappingOutcome outcome, string mapping, string rule, string dedupeKey, GroupView? group)
    {
        var ready = new List<ReadyMessage>(outcome.Messages.Count);
        var errors = new List<MappingError>(outcome.Errors);
        for (var i = 0; i < outcome.Messages.Count; i++)
        {
            var message = outcome.Messages[i];
            var normalized = i < outcome.Bodies.Count ? outcome.Bodies[i] : null;
            // Redelivery after a crash then replaces the first copy on newer ntfy clients instead of doubling it.
            var (fitted, body, error) = (group is null ? message.SequenceId : "", normalized) switch
            {
                // An incident card: its id is the incident's.
                ("", _) => MessageNormalizer.Fit(message with { SequenceId = group!.SequenceId(i) }),
                (null, { } withoutId) => MessageNormalizer.FitWithSequenceId(message with { SequenceId = DedupeKeys.SequenceId(dedupeKey, rule, i) }, withoutId),
                (null, null) => MessageNormalizer.Fit(message with { SequenceId = DedupeKeys.SequenceId(dedupeKey, rule, i) }),
                // The mapping set the id: the normaliser fitted the very body ntfy gets.
                (_, { } same) => (message, same, null),
                _ => MessageNormalizer.Fit(message),
            };
            if (error is not null)
            {
                errors.Add(new MappingError(mapping, MappingError.InvalidMessage, error.Message, Field: outcome.Messages.Count > 1 ? $"[{i}]" : null));
                continue;
            }
            ready.Add(new ReadyMessage(i, fitted!, body!));
        }
        return new MadeMessages(ready, errors, outcome.Logs, outcome.Messages.Count);
    }
}
