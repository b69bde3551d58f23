namespace Bridge.Storage;

/// <summary>
/// Events whose rules wait for their user's groups from Authentik's API: committed before their 202 like any event,
/// but judged only once the groups are known. Why each waits and when it is tried next are kept with it, so a restart
/// resumes the schedule instead of trying everything at once (or forgetting the events).
/// </summary>
/// <remarks>Writes are durable when their task completes; a write the store cannot commit fails with <see cref="StoreUnavailableException"/>.</remarks>
public interface IGroupWaits
{
    /// <summary>Commits an event to wait (its verdicts are not judged yet: <see cref="NewEvent.Verdicts"/> is ignored), due at once.</summary>
    /// <returns>Accepted; Duplicate when a copy waits or was judged within the de-duplication window; Unavailable. Never thrown.</returns>
    Task<AcceptResult> AcceptWaitingAsync(NewEvent e, string reason, CancellationToken ct);

    /// <summary>Up to <paramref name="limit"/> waiting events due by <paramref name="now"/>, the longest due first.</summary>
    Task<IReadOnlyList<WaitingEvent>> GetDueAsync(DateTimeOffset now, int limit, CancellationToken ct);

    /// <summary>When the next waiting event is due; null when none waits.</summary>
    Task<DateTimeOffset?> GetNextDueAsync(CancellationToken ct);

    /// <summary>Records a failed look-up: why it still waits, and when it is tried again.</summary>
    Task PostponeAsync(long seq, GroupWait wait, CancellationToken ct);

    /// <summary>Makes every waiting event of <paramref name="source"/> due at <paramref name="at"/> (its API settings changed).</summary>
    Task RetryAllAsync(string source, DateTimeOffset at, CancellationToken ct);

    /// <summary>
    /// Records the verdicts of a waiting event now that its groups are known, with the event as the rules saw it: it then
    /// is an ordinary received event (or processed, when no rule matched). Null when it no longer waits.
    /// </summary>
    Task<AcceptResult?> ResolveAsync(long seq, NewEvent judged, CancellationToken ct);

    /// <summary>Why an event waits; null when it does not.</summary>
    Task<GroupWait?> GetWaitAsync(long seq, CancellationToken ct);

    /// <summary>Waiting events, by source.</summary>
    Task<IReadOnlyDictionary<string, int>> CountAsync(CancellationToken ct);
}

/// <summary>Why an event waits for its groups, and its retry schedule.</summary>
/// <param name="Attempts">Look-ups tried and failed so far.</param>
public sealed record GroupWait(string Reason, DateTimeOffset RetryAt, int Attempts);

/// <summary>A waiting event, as the resolver needs it to read the body again and ask for the groups.</summary>
public sealed record WaitingEvent(long Seq, string EventId, string Source, DateTimeOffset ReceivedAt, string DedupeKey, byte[] Body, GroupWait Wait);
