namespace Bridge.Storage;

public enum EventStatus
{
    /// <summary>Committed; its mappings have not run yet (a restart runs them).</summary>
    Received,
    /// <summary>Its messages are committed.</summary>
    Processed,
    /// <summary>Committed; its rules wait for its user's groups from Authentik's API (<see cref="IGroupWaits"/>).</summary>
    WaitingForGroups,
}

/// <summary>An event as the store keeps it.</summary>
/// <param name="Seq">The store's own order of arrival; also the paging cursor.</param>
/// <param name="EventId">The id the 202 named: Authentik's event id, or one the bridge made.</param>
/// <param name="Body">The body exactly as received (UTF-8 JSON): a restart normalises it again.</param>
/// <param name="EventJson">The normalised event as mappings saw it (without <c>raw</c>).</param>
/// <param name="VerdictsJson">Every rule's verdict, as the 202 listed them.</param>
/// <param name="RulesToRun">The rules whose mappings this event runs.</param>
/// <param name="Duplicates">Copies answered as duplicates of this event.</param>
public sealed record StoredEvent(
    long Seq,
    string EventId,
    string Source,
    string? Action,
    EventStatus Status,
    DateTimeOffset ReceivedAt,
    string DedupeKey,
    byte[] Body,
    byte[] EventJson,
    string VerdictsJson,
    IReadOnlyList<string> RulesToRun,
    int Duplicates,
    DateTimeOffset? ProcessedAt)
{
    /// <summary>The rules of <see cref="RulesToRun"/> whose messages are not committed yet (all of them until the processor starts).</summary>
    public IReadOnlyList<string> RulesLeft { get; init; } = RulesToRun;

    /// <summary>What the rules' mappings printed and the errors they had while processing it.</summary>
    public IReadOnlyList<MappingRunLog> MappingLog { get; init; } = [];
}
