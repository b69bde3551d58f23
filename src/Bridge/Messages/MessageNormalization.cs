namespace Bridge.Messages;

/// <summary>Either a message ntfy accepts or every reason it would not.</summary>
public sealed record MessageNormalization(NtfyMessage? Message, IReadOnlyList<MessageFieldError> Errors)
{
    public bool IsValid => Message is not null;
}
