namespace Bridge.Storage;

/// <summary>
/// The messages waiting for delivery, as the delivery worker needs them: claim what is due in batches, settle many
/// attempts at once, and learn when to look again.
/// </summary>
/// <remarks>
/// Shaped for more than one engine. A claim is a lease: the claimed messages are nobody else's until settled or released.
/// An engine shared by several bridges (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c> claims, the lease and next attempt
/// time persisted) fences each settlement with <see cref="OutboxLease.Fence"/>, so a lease that lapsed and was claimed again
/// cannot be settled by its first holder. The embedded SQLite store has one owner (its lock file), so its leases live in
/// memory: a crash leaves the message pending, and its <c>sequence_id</c> makes the resend replace the first copy.
/// </remarks>
public interface IOutbox
{
    /// <summary>
    /// Leases up to <paramref name="limit"/> pending messages for <paramref name="destination"/> whose next attempt is due:
    /// the highest <see cref="MessageLane"/> first, each lane oldest first. A message is never claimed while an older pending message shares its <c>sequence_id</c> (an update
    /// must not overtake what it updates) or, with <see cref="ClaimOrder.StrictPerTopic"/>, its topic.
    /// </summary>
    /// <param name="lease">How long the lease holds when nothing settles it (an engine that persists leases frees a crashed holder's after it).</param>
    Task<IReadOnlyList<OutboxLease>> ClaimAsync(string destination, ClaimOrder order, DateTimeOffset now, int limit, TimeSpan lease, CancellationToken ct);

    /// <summary>When the earliest message <see cref="ClaimAsync"/> could return for <paramref name="destination"/> falls due; null when none waits.</summary>
    Task<DateTimeOffset?> GetNextDueAsync(string destination, ClaimOrder order, CancellationToken ct);

    /// <summary>Records attempts and what each means for its message (delivered, due again, dead), in one transaction, ending their leases.</summary>
    /// <returns>How many were settled; a settlement whose lease is no longer held is skipped.</returns>
    Task<int> SettleAsync(IReadOnlyList<Settlement> settlements, CancellationToken ct);

    /// <summary>Ends leases without recording an attempt (shutdown cut a send short; the message stays as it was).</summary>
    Task ReleaseAsync(IReadOnlyList<OutboxLease> leases, CancellationToken ct);

    /// <summary>Marks dead, with <paramref name="reason"/>, the unleased pending messages to <paramref name="destination"/> made before <paramref name="createdBefore"/>.</summary>
    Task<int> ExpireAsync(string destination, DateTimeOffset createdBefore, DateTimeOffset now, string reason, CancellationToken ct);

    /// <summary>
    /// Hands the unleased pending messages of <paramref name="from"/> to <paramref name="to"/> (a fallback destination),
    /// keeping their ids, lanes and schedules, so their order and <c>sequence_id</c> hold-backs carry over.
    /// </summary>
    /// <param name="note">Recorded as each moved message's last error, saying why it moved.</param>
    /// <returns>How many moved.</returns>
    Task<int> MoveAsync(string from, string to, DateTimeOffset now, string note, CancellationToken ct);

    /// <summary>The destinations that have pending messages (to find those the configuration no longer has).</summary>
    Task<IReadOnlyList<string>> GetDestinationsWithPendingAsync(CancellationToken ct);
}

/// <summary>Which pending messages hold back later ones when claiming.</summary>
public enum ClaimOrder
{
    /// <summary>Only an older message with the same <c>sequence_id</c> holds one back; the rest may be on the wire together.</summary>
    BySequence,
    /// <summary>Any older pending message of the same topic holds one back (<c>ordered: strict</c>).</summary>
    StrictPerTopic,
}
