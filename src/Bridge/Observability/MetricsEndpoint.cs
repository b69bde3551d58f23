using Prometheus;

namespace Bridge.Observability;

/// <summary><c>GET /metrics</c>: this host's registry in Prometheus text format, without a token (as <c>/healthz</c>).</summary>
public static class MetricsEndpoint
{
    public static IEndpointConventionBuilder MapMetrics(this IEndpointRouteBuilder app, BridgeMetrics metrics)
    {
        var services = app.ServiceProvider;
        metrics.WatchQueue(services.GetRequiredService<Storage.IAdminStore>(), services.GetRequiredService<Storage.IGroupWaits>(),
            services.GetRequiredService<Authentik.GroupResolver>(), services.GetRequiredService<Delivery.DeliveryWorker>(),
            services.GetRequiredService<Configuration.LiveRuntime>(), services.GetRequiredService<TimeProvider>());
        return MetricServerMiddlewareExtensions.MapMetrics(app, "/metrics", metrics.Registry).ExcludeFromDescription();
    }
}
