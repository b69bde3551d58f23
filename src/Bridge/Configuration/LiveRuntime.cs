namespace Bridge.Configuration;

/// <summary>
/// Holds the runtime in force. Readers take <see cref="Current"/> once per request or event and keep that snapshot,
/// so a reload never changes the rules under an event half-way through.
/// </summary>
public sealed class LiveRuntime(BridgeRuntime initial)
{
    private volatile BridgeRuntime _current = initial;

    public BridgeRuntime Current => _current;

    /// <summary>Raised after <see cref="Replace"/>, so loops that sleep on a schedule can look again at once (a fixed token).</summary>
    public event Action? Replaced;

    public void Replace(BridgeRuntime next)
    {
        _current = next;
        Replaced?.Invoke();
    }
}
