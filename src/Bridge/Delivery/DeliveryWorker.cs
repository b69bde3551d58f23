using System.Collections.Concurrent;
using Bridge.Configuration;

namespace Bridge.Delivery;

/// <summary>
/// Drains the delivery queue with bounded concurrency. On shutdown it stops taking messages and gives the sends
/// already under way <see cref="ShutdownGrace"/> to finish.
/// </summary>
public sealed class DeliveryWorker(IDeliveryQueue queue, DestinationSenders senders, LiveRuntime live, ILogger<DeliveryWorker> log) : BackgroundService
{
    /// <summary>Sends at once: enough to overlap a slow retry with fresh messages, few enough to stay under ntfy's rate limit.</summary>
    public const int MaxConcurrentSends = 8;

    /// <summary>How long in-flight sends may run after shutdown begins.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _sendCancellation = new();
    private readonly ConcurrentDictionary<string, Task> _inFlight = new();
    private readonly SemaphoreSlim _slots = new(MaxConcurrentSends);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var message in queue.ReadAllAsync(stoppingToken))
            {
                await _slots.WaitAsync(stoppingToken);
                _inFlight[message.Id] = SendAsync(message);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: fall through to drain what is under way.
        }
        _sendCancellation.CancelAfter(ShutdownGrace);
        await Task.WhenAll(_inFlight.Values);
        if (queue.Pending > 0)
            log.LogWarning("{Count} messages were still queued at shutdown and were not delivered", queue.Pending);
    }

    public override void Dispose()
    {
        _sendCancellation.Dispose();
        _slots.Dispose();
        base.Dispose();
    }

    private async Task SendAsync(OutboundMessage message)
    {
        try
        {
            // Yield so the reader loop is not held up by the synchronous part of a send.
            await Task.Yield();
            if (!live.Current.Config.Destinations.TryGetValue(message.Destination, out var destination))
            {
                log.LogError("Message {MessageId} for event {EventId} names destination {Destination}, which the configuration no longer has; dropped",
                    message.Id, message.EventId, message.Destination);
                return;
            }
            var outcome = await senders.For(destination).SendAsync(message, _sendCancellation.Token);
            LogOutcome(message, outcome);
        }
        catch (Exception e)
        {
            log.LogError(e, "Delivering message {MessageId} for event {EventId} failed unexpectedly", message.Id, message.EventId);
        }
        finally
        {
            _inFlight.TryRemove(message.Id, out _);
            _slots.Release();
        }
    }

    private void LogOutcome(OutboundMessage m, DeliveryOutcome o)
    {
        switch (o.Status)
        {
            case DeliveryStatus.Delivered:
                log.LogInformation("Delivered message {MessageId} for event {EventId} (rule {Rule}) to {Destination} topic {Topic} after {Attempts} attempt(s): {Detail}",
                    m.Id, m.EventId, m.Rule, m.Destination, m.Message.Topic, o.Attempts, o.Detail);
                break;
            case DeliveryStatus.DryRun:
                // The dry-run sender has logged the message itself.
                break;
            case DeliveryStatus.Rejected:
                log.LogError("ntfy rejected message {MessageId} for event {EventId} (rule {Rule}, topic {Topic}): HTTP {HttpStatus}, code {NtfyCode}: {Detail}; not retried",
                    m.Id, m.EventId, m.Rule, m.Message.Topic, o.HttpStatus, o.NtfyCode, o.Detail);
                break;
            case DeliveryStatus.Failed:
                log.LogError("Gave up on message {MessageId} for event {EventId} (rule {Rule}) to {Destination} after {Attempts} attempt(s): {Detail}",
                    m.Id, m.EventId, m.Rule, m.Destination, o.Attempts, o.Detail);
                break;
            default:
                log.LogWarning("Delivery of message {MessageId} for event {EventId} was cut short by shutdown after {Attempts} attempt(s)",
                    m.Id, m.EventId, o.Attempts);
                break;
        }
    }
}
