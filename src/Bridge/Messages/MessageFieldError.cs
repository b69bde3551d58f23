namespace Bridge.Messages;

/// <summary>Why one field of a mapping's message cannot be sent to ntfy.</summary>
/// <param name="Field">The field path, e.g. <c>priority</c> or <c>actions[1].url</c>; empty when the problem is the message as a whole.</param>
public sealed record MessageFieldError(string Field, string Message)
{
    public override string ToString() => Field.Length == 0 ? Message : $"{Field}: {Message}";
}
