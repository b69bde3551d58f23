namespace Bridge.Storage;

/// <summary>A claimed message, the caller's until settled or released.</summary>
/// <param name="Fence">Identifies this claim of the message: a settlement is accepted only under the claim it names.</param>
public sealed record OutboxLease(StoredMessage Message, long Fence);

/// <summary>One attempt of a leased message and what it means for it.</summary>
public sealed record Settlement(OutboxLease Lease, AttemptRecord Attempt, MessageUpdate Update);
