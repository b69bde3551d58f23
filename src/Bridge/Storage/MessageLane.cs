namespace Bridge.Storage;

/// <summary>
/// Which queue of its destination a message waits in: a higher lane's due messages are claimed before any of a lower
/// lane's. Stored as its number (schema 7).
/// </summary>
public enum MessageLane
{
    /// <summary>ntfy priority 1-3 (or none): claimed in the order made.</summary>
    Normal = 0,
    /// <summary>ntfy priority 4 (high).</summary>
    High = 1,
    /// <summary>ntfy priority 5 (max), or made by a rule marked <c>urgent: true</c>: claimed first, so it never waits behind a flood.</summary>
    Urgent = 2,
}
