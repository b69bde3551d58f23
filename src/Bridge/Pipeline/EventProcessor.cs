using Bridge.Delivery;
using Bridge.Mappings;

namespace Bridge.Pipeline;

/// <summary>
/// Runs the matched rules' mappings for each accepted event, after its 202 went out, and queues the messages.
/// One event at a time, so messages leave in the order events arrived; a slow mapping is bounded by the sandbox timeout.
/// </summary>
public sealed class EventProcessor(IEventQueue events, IDeliveryQueue deliveries, MappingRunner runner, TimeProvider time, ILogger<EventProcessor> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var accepted in events.ReadAllAsync(stoppingToken))
            {
                // Mapping runs are synchronous CPU work; this loop is its own thread of work, never a request's.
                Process(accepted);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            if (events.Pending > 0) log.LogWarning("{Count} accepted events were not processed before shutdown", events.Pending);
        }
    }

    private void Process(AcceptedEvent accepted)
    {
        var e = accepted.Event;
        var runtime = accepted.Runtime;
        var source = runtime.Config.Sources[e.Source];
        // Verdicts come one per rule, in the rules' order.
        for (var r = 0; r < accepted.Verdicts.Count; r++)
        {
            if (!accepted.Verdicts[r].Matched) continue;
            var rule = runtime.Rules.Rules[r];
            var ctx = new MappingContext(rule.Name, rule.Config.Topic, rule.Config.Destination, e.Source, source.BaseUrl);
            MappingOutcome outcome;
            try
            {
                outcome = runner.Run(runtime.Mappings, rule, e, ctx);
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Mapping for rule {Rule} crashed on event {EventId}; nothing sent for this rule", rule.Name, e.Id);
                continue;
            }
            foreach (var line in outcome.Logs) log.LogInformation("Mapping {Mapping} (rule {Rule}, event {EventId}) logged: {Line}", rule.Config.Mapping ?? "default", rule.Name, e.Id, line);
            foreach (var error in outcome.Errors) log.LogError("Mapping error for event {EventId}, rule {Rule}: {Error}", e.Id, rule.Name, error.ToString());
            if (outcome.Dropped) log.LogInformation("Mapping for rule {Rule} returned nothing for event {EventId}; no message", rule.Name, e.Id);

            for (var i = 0; i < outcome.Messages.Count; i++)
            {
                deliveries.Enqueue(new OutboundMessage($"{e.Id}-{rule.Name}-{i}", e.Id, rule.Name, rule.Config.Destination, outcome.Messages[i], time.GetUtcNow()));
            }
        }
    }
}
