namespace Bridge.Storage;

public enum AcceptStatus
{
    /// <summary>Committed: on disk, fsynced.</summary>
    Accepted,
    /// <summary>A copy of an event committed within the de-duplication window: nothing written, nothing will be sent.</summary>
    Duplicate,
    /// <summary>The store could not commit; nothing was written and the sender must retry.</summary>
    Unavailable,
}

/// <summary>What committing an event came to.</summary>
/// <param name="Seq">The stored event's sequence number (the original's, for a duplicate).</param>
/// <param name="RulesToRun">The matched rules whose messages this event must make: all matched rules, less any a copy
/// already covered within the window.</param>
/// <param name="DuplicateOf">For a duplicate: the id of the event it copies.</param>
/// <param name="Reason">For Unavailable: why, for the log (never sent to the caller verbatim).</param>
public sealed record AcceptResult(AcceptStatus Status, long Seq, IReadOnlyList<string> RulesToRun, string? DuplicateOf = null, string? Reason = null)
{
    public static AcceptResult Unavailable(string reason) => new(AcceptStatus.Unavailable, 0, [], Reason: reason);
}
