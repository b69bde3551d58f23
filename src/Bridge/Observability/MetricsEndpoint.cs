using Prometheus;

namespace Bridge.Observability;

/// <summary><c>GET /metrics</c>: this host's registry in Prometheus text format, without a token (as <c>/healthz</c>).</summary>
public static class MetricsEndpoint
{
    public static IEndpointConventionBuilder MapMetrics(this IEndpointRouteBuilder app, BridgeMetrics metrics)
    {
        metrics.WatchQueue(app.ServiceProvider.GetRequiredService<Storage.IAdminStore>(), app.ServiceProvider.GetRequiredService<Delivery.DeliveryWorker>(),
            app.ServiceProvider.GetRequiredService<Configuration.LiveRuntime>());
        return MetricServerMiddlewareExtensions.MapMetrics(app, "/metrics", metrics.Registry).ExcludeFromDescription();
    }
}
