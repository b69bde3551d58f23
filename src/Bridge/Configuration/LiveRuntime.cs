namespace Bridge.Configuration;

/// <summary>
/// Holds the runtime in force. Readers take <see cref="Current"/> once per request or event and keep that snapshot,
/// so a reload never changes the rules under an event half-way through.
/// </summary>
public sealed class LiveRuntime(BridgeRuntime initial)
{
    private volatile BridgeRuntime _current = initial;

    public BridgeRuntime Current => _current;

    public void Replace(BridgeRuntime next) => _current = next;
}
