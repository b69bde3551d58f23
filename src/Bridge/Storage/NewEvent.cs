using Bridge.Events;
using Bridge.Rules;

namespace Bridge.Storage;

/// <summary>An event to commit before the 202.</summary>
/// <param name="DedupeKey">Copies within <paramref name="DedupeWindow"/> share it (see <see cref="DedupeKeys"/>).</param>
/// <param name="DedupeWindow">Zero: never a duplicate.</param>
public sealed record NewEvent(BridgeEvent Event, IReadOnlyList<RuleVerdict> Verdicts, string DedupeKey, DateTimeOffset ReceivedAt, TimeSpan DedupeWindow);
