using Bridge.Configuration;
using Bridge.Events;

namespace Bridge.Pipeline;

/// <summary>A committed event whose mappings are still to run.</summary>
/// <param name="Seq">The store's sequence number; processing marks it done.</param>
/// <param name="Event">The event; null when it could not be rebuilt from the stored body (see <paramref name="Problem"/>).</param>
/// <param name="RulesToRun">The matched rules whose mappings run (a copy within the window may already have covered others).</param>
/// <param name="Runtime">The configuration its mappings run under: the one that matched it, or the current one after a restart.</param>
/// <param name="Problem">Why the event could not be rebuilt; each of its rules then records a dead message with this reason.</param>
public sealed record PendingEvent(long Seq, string EventId, string DedupeKey, BridgeEvent? Event, IReadOnlyList<string> RulesToRun, BridgeRuntime Runtime, string? Problem = null);
