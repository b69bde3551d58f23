using Bridge.Configuration;
using Bridge.Delivery;
using Bridge.Ingest;
using Bridge.Ingest.Limits;
using Bridge.Mappings;
using Bridge.Pipeline;
using Serilog;

namespace Bridge.Hosting;

/// <summary>Builds the web host around a compiled runtime. Wiring only; every behaviour lives in its feature folder.</summary>
public static class BridgeHost
{
    public static WebApplication Build(BridgeRuntime runtime, HostSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = runtime.Config.BaseDirectory });
        builder.WebHost.UseUrls(settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(k => KestrelLimits.Apply(k.Limits, runtime.Config.Server.Limits));
        var live = new LiveRuntime(runtime);
        // Each host owns its logger rather than the process-wide static one, so hosts side by side (tests) keep their logs apart.
        builder.Services.AddSerilog(lc =>
        {
            BridgeLogging.Configure(lc);
            settings.ConfigureLogging?.Invoke(lc);
            // Last, so it sees the properties every other enricher added.
            lc.Enrich.With(new SecretRedactor(live));
        }, preserveStaticLogger: true);

        var services = builder.Services;
        services.AddSingleton(settings.Time ?? TimeProvider.System);
        services.AddSingleton(live);
        services.AddSingleton(new MappingRunner(runtime.Config.MappingLimits));
        services.AddEdge();
        services.AddSingleton<IEventQueue, InMemoryEventQueue>();
        services.AddSingleton<IDeliveryQueue, InMemoryDeliveryQueue>();
        services.AddSingleton<DestinationSenders>();
        services.AddHostedService<EventProcessor>();
        services.AddHostedService<DeliveryWorker>();
        services.AddProblemDetails();
        services.AddHealthChecks();

        var app = builder.Build();
        app.UseEdge(runtime.Config.Server);
        app.UseSerilogRequestLogging();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.MapHealthChecks("/healthz");
        app.MapHooks();
        return app;
    }
}
