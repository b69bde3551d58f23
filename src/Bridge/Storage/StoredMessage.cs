namespace Bridge.Storage;

/// <summary>A message as the store keeps it.</summary>
/// <param name="Attempts">Scheduled attempts used so far (attempts while the destination was paused do not count).</param>
/// <param name="LastError">What the last failed attempt said (ntfy's code and text, or the connection error).</param>
/// <param name="DeadReason">Why it died; null unless <paramref name="Status"/> is Dead.</param>
public sealed record StoredMessage(
    long Id,
    long EventSeq,
    string EventId,
    string Rule,
    int Index,
    string Destination,
    string? Topic,
    byte[]? Body,
    MessageStatus Status,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? LastError,
    string? DeadReason,
    string DedupeKey)
{
    /// <summary>The queue it waits in: a higher lane's messages are claimed first.</summary>
    public MessageLane Lane { get; init; }
}
