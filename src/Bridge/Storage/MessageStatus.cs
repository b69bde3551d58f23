namespace Bridge.Storage;

public enum MessageStatus
{
    /// <summary>Waiting for its next attempt.</summary>
    Pending,
    /// <summary>ntfy stored it (or, for a dry-run destination, it was logged).</summary>
    Delivered,
    /// <summary>Given up, with the reason; kept until replayed or deleted.</summary>
    Dead,
}
