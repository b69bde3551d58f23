using System.Text;

namespace Bridge.Delivery;

/// <summary>A destination without a URL: logs the exact JSON that would be sent, so a new setup can be tried safely.</summary>
public sealed class DryRunSender(ILogger<DryRunSender> log) : IMessageSender
{
    public Task<DeliveryOutcome> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var json = Encoding.UTF8.GetString(message.Body);
        log.LogInformation("Dry-run ({Destination} has no url): would send {MessageJson} for event {EventId}, rule {Rule}",
            message.Destination, json, message.EventId, message.Rule);
        return Task.FromResult(new DeliveryOutcome(DeliveryStatus.DryRun, null, null, "dry-run", 0));
    }
}
