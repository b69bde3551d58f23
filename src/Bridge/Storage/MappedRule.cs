namespace Bridge.Storage;

/// <summary>What one rule's mapping made for one event: the unit the processor commits.</summary>
/// <param name="Messages">The messages made (dead ones included, for a mapping that failed); empty when it sent nothing.</param>
/// <param name="Log">What the mapping printed and its errors; null when it said nothing.</param>
public sealed record MappedRule(long EventSeq, string Rule, IReadOnlyList<NewMessage> Messages, MappingRunLog? Log)
{
    /// <summary>
    /// For a grouped rule: the event to count into its group's incident, in the same transaction as the rule's commit
    /// (so an event is counted exactly once, whichever instance commits it, even across a crash). Null for other rules.
    /// </summary>
    public Incidents.IncidentJoin? Group { get; init; }
}
