namespace Bridge.Delivery;

public enum DeliveryStatus
{
    /// <summary>ntfy stored the message.</summary>
    Delivered,
    /// <summary>The destination has no URL: the message was logged instead of sent.</summary>
    DryRun,
    /// <summary>ntfy refused it for good (a 4xx other than 408/429): retrying cannot help.</summary>
    Rejected,
    /// <summary>Every attempt failed with a transient error (connection, timeout, 408, 429, 5xx).</summary>
    Failed,
    /// <summary>The bridge shut down before the attempts finished.</summary>
    Cancelled,
}

/// <summary>How the delivery of one message ended, with what ntfy said.</summary>
/// <param name="HttpStatus">The last HTTP status, when a response came.</param>
/// <param name="NtfyCode">ntfy's error code (e.g. 40009 topic invalid), when it sent one.</param>
/// <param name="Detail">ntfy's error text, the exception's reason, or the stored message id.</param>
/// <param name="Attempts">HTTP attempts made.</param>
public sealed record DeliveryOutcome(DeliveryStatus Status, int? HttpStatus, int? NtfyCode, string Detail, int Attempts)
{
    /// <summary>How long the server asked to be left alone (<c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
