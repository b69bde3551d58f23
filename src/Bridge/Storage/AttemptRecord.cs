namespace Bridge.Storage;

/// <summary>One delivery attempt of one message, as recorded.</summary>
/// <param name="Outcome">delivered, dry_run, rejected, failed, paused, rate_limited.</param>
/// <param name="HttpStatus">ntfy's HTTP status, when an answer came.</param>
/// <param name="NtfyCode">ntfy's error code (e.g. 40009), when it sent one.</param>
/// <param name="Detail">ntfy's error text, the connection error, or the stored message's id.</param>
public sealed record AttemptRecord(long MessageId, DateTimeOffset At, string Outcome, int? HttpStatus, int? NtfyCode, string Detail, TimeSpan Duration);

/// <summary>What an attempt means for its message.</summary>
/// <param name="Attempts">The message's scheduled attempts used, after this one.</param>
/// <param name="NextAttemptAt">When it is due again (pending only).</param>
/// <param name="LastError">Null after a success.</param>
public sealed record MessageUpdate(MessageStatus Status, int Attempts, DateTimeOffset NextAttemptAt, string? LastError, string? DeadReason);
