namespace Bridge.Storage;

/// <summary>A message a mapping made (or failed to make) for one rule of one event.</summary>
/// <param name="Index">Its place among the rule's messages for the event; with the rule and the de-duplication key it makes the ntfy <c>sequence_id</c>.</param>
/// <param name="Body">The exact ntfy JSON; null when the mapping failed (then <paramref name="Status"/> is Dead).</param>
/// <param name="DeadReason">Why it is dead from the start (a mapping error).</param>
/// <param name="FirstAttemptAt">When the first attempt is due.</param>
/// <param name="SequenceId">The ntfy <c>sequence_id</c> inside <paramref name="Body"/>: messages sharing one are delivered strictly in order.</param>
public sealed record NewMessage(
    string Rule,
    int Index,
    string Destination,
    string? Topic,
    byte[]? Body,
    MessageStatus Status,
    string? DeadReason,
    DateTimeOffset FirstAttemptAt,
    string? SequenceId = null)
{
    /// <summary>The queue it waits in (schema 7): a higher lane's messages are claimed before the destination's lower ones.</summary>
    public MessageLane Lane { get; init; }
}
