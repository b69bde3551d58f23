using Bridge.Delivery;
using Bridge.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bridge.Hosting;

/// <summary>
/// <c>GET /healthz</c>: Unhealthy (503) while the store cannot commit, since then every event is refused; Degraded
/// (still 200, so no orchestrator restarts a bridge that is waiting correctly) while a destination is paused or tripped.
/// </summary>
public sealed class BridgeHealthCheck(IStoreHealth store, DeliveryWorker worker) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (store.LastCommitFailure is { } failure)
            return Task.FromResult(HealthCheckResult.Unhealthy($"the store cannot commit: {failure}"));
        foreach (var destination in worker.Destinations)
        {
            if (destination.Mode != DestinationMode.Healthy)
                return Task.FromResult(HealthCheckResult.Degraded($"destination {destination.Name} is {destination.Mode.ToString().ToLowerInvariant()}: {destination.Reason}"));
        }
        return Task.FromResult(HealthCheckResult.Healthy());
    }
}
