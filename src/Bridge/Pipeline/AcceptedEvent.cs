using Bridge.Configuration;
using Bridge.Events;
using Bridge.Rules;

namespace Bridge.Pipeline;

/// <summary>
/// An event the bridge has answered 202 for, with the rule verdicts given in that answer and the runtime they came
/// from, so the mappings that run later belong to the same configuration as the rules that matched.
/// </summary>
public sealed record AcceptedEvent(BridgeEvent Event, IReadOnlyList<RuleVerdict> Verdicts, BridgeRuntime Runtime, DateTimeOffset ReceivedAt);
