namespace Bridge.Messages;

/// <summary>Either a message ntfy accepts or every reason it would not.</summary>
public sealed record MessageNormalization(NtfyMessage? Message, IReadOnlyList<MessageFieldError> Errors)
{
    /// <summary>The message's JSON body as fitted (<see cref="MessageNormalizer.Fit"/>), so whoever adds its <c>sequence_id</c> need not write it again.</summary>
    public byte[]? Body { get; init; }

    public bool IsValid => Message is not null;
}
