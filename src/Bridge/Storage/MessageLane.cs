namespace Bridge.Storage;

/// <summary>Which queue of its destination a message waits in: urgent ones are claimed before any waiting normal one.</summary>
public enum MessageLane
{
    /// <summary>Claimed in the order made.</summary>
    Normal,
    /// <summary>ntfy priority 4–5, or made by a rule marked <c>urgent: true</c>: claimed first, so it never waits behind a flood.</summary>
    Urgent,
}
