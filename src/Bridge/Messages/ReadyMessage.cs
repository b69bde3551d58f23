namespace Bridge.Messages;

/// <summary>One message exactly as it is POSTed to ntfy.</summary>
/// <param name="Index">Its place among the messages the mapping returned; with the rule and the event's de-duplication key it makes the <c>sequence_id</c>.</param>
/// <param name="Message">The message as sent: its text cut to fit, its <c>sequence_id</c> set.</param>
/// <param name="Body">The exact JSON body, within <see cref="MessageNormalizer.MaxBodyBytes"/> with its <c>sequence_id</c>.</param>
public sealed record ReadyMessage(int Index, NtfyMessage Message, byte[] Body);
