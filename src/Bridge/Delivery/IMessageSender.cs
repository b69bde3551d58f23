namespace Bridge.Delivery;

/// <summary>Delivers one message to one destination, retrying as that destination is configured to.</summary>
public interface IMessageSender
{
    Task<DeliveryOutcome> SendAsync(OutboundMessage message, CancellationToken ct);
}
