using System.Text;
using Bridge.Delivery;
using Bridge.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bridge.Hosting;

/// <summary>
/// <c>GET /healthz</c>: Unhealthy (503) while the store cannot commit, since then every event is refused; Degraded
/// (still 200, so no orchestrator restarts a bridge that is waiting correctly) while a destination is paused or tripped.
/// The answer's second line is the store's state: what the start-up check found, or that it cannot commit now.
/// </summary>
public sealed class BridgeHealthCheck(IStoreHealth store, DeliveryWorker worker, StoreFileState file) : IHealthCheck
{
    public const string StoreKey = "store";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (store.LastCommitFailure is { } failure)
            return Task.FromResult(HealthCheckResult.Unhealthy($"the store cannot commit: {failure}", data: Store("cannot commit now (the log says why)")));
        var data = Store(file.Summary);
        foreach (var destination in worker.Destinations)
        {
            if (destination.Mode != DestinationMode.Healthy)
                return Task.FromResult(HealthCheckResult.Degraded($"destination {destination.Name} is {destination.Mode.ToString().ToLowerInvariant()}: {destination.Reason}", data: data));
        }
        return Task.FromResult(HealthCheckResult.Healthy(data: data));
    }

    private static Dictionary<string, object> Store(string state) => new() { [StoreKey] = state };

    /// <summary>
    /// The status on the first line, as probes read it, then the store's state. Reasons stay in the log: the endpoint
    /// answers anyone, and a destination's error text is not theirs to read.
    /// </summary>
    public static Task WriteAsync(HttpContext http, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder().Append(report.Status).Append('\n');
        foreach (var entry in report.Entries.Values)
        {
            if (entry.Data.TryGetValue(StoreKey, out var state)) text.Append("store: ").Append(state).Append('\n');
        }
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(text.ToString());
    }
}
