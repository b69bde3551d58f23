using Bridge.Configuration;
using Bridge.Events;
using Bridge.Rules;

namespace Bridge.Pipeline;

/// <summary>
/// An event on its way to the 202, with the rule verdicts given in that answer and the runtime they came from, so the
/// mappings that run later belong to the same configuration as the rules that matched.
/// </summary>
public sealed record AcceptedEvent(BridgeEvent Event, IReadOnlyList<RuleVerdict> Verdicts, BridgeRuntime Runtime, DateTimeOffset ReceivedAt);
