using Bridge.Messages;

namespace Bridge.Delivery;

/// <summary>A message made by a rule's mapping for one event, waiting to be delivered to its destination.</summary>
public sealed record OutboundMessage(string Id, string EventId, string Rule, string Destination, NtfyMessage Message, DateTimeOffset CreatedAt)
{
    /// <summary>The exact JSON to send, when it was already serialised (as the store keeps it); otherwise made from <see cref="Message"/>.</summary>
    public byte[]? Body { get; init; }
}
