namespace Bridge.Storage;

public enum DestinationMode
{
    /// <summary>Sending normally.</summary>
    Healthy,
    /// <summary>Failed repeatedly (connection, timeout, 5xx): one probe at a time until one gets through.</summary>
    Tripped,
    /// <summary>ntfy refused the credentials (401/403, or 42909 lock-out): one probe at a time until the token works.</summary>
    Paused,
}

/// <summary>
/// What every bridge delivering from one store must agree on about a destination: whether it is tripped (the circuit is
/// open) or paused and why, who sends its probe, when the next probe may start, and until when a 429 (or a
/// <c>Retry-After</c>) holds it and why.
/// </summary>
/// <param name="ProbeOwner">The instance whose probe is on the wire; null when none is.</param>
/// <param name="ProbeAt">No probe starts before this. While <paramref name="ProbeOwner"/> is set it is the end of that
/// probe's lease: an instance that died mid-probe leaves the slot to the others after it.</param>
/// <param name="Version">Bumped by every change; a change is made only from the version it was decided on (compare-and-set).</param>
public sealed record DestinationState(DestinationMode Mode, string? Reason, string? ProbeOwner, DateTimeOffset ProbeAt, DateTimeOffset HoldUntil, long Version)
{
    /// <summary>A destination nobody has had trouble with.</summary>
    public static readonly DestinationState Healthy = new(DestinationMode.Healthy, null, null, DateTimeOffset.MinValue, DateTimeOffset.MinValue, 0);

    /// <summary>Why it is held until <see cref="HoldUntil"/>, for logs and status.</summary>
    public string? HoldReason { get; init; }

    /// <summary>The hold is ntfy's daily quota (42908): every instance moves the destination's waiting messages to its fallback.</summary>
    public bool QuotaHold { get; init; }

    /// <summary>Whether ntfy's daily quota holds it at <paramref name="now"/>.</summary>
    public bool QuotaHeld(DateTimeOffset now) => QuotaHold && HoldUntil > now;

    /// <summary>Whether another instance's probe is on the wire and its lease still holds.</summary>
    public bool ProbedByOther(string instance, DateTimeOffset now) => ProbeOwner is { } owner && owner != instance && ProbeAt > now;
}
