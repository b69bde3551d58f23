using Bridge.Admin;
using Bridge.Authentik;
using Bridge.Configuration;
using Bridge.Dashboard;
using Bridge.Delivery;
using Bridge.Ingest;
using Bridge.Ingest.Limits;
using Bridge.Mappings;
using Bridge.Messages;
using Bridge.Observability;
using Bridge.Pipeline;
using Bridge.Storage;
using Bridge.Storage.Postgres;
using Serilog;

namespace Bridge.Hosting;

/// <summary>Builds the web host around a compiled runtime. Wiring only; every behaviour lives in its feature folder.</summary>
public static class BridgeHost
{
    /// <summary>Where the OpenAPI description of the hook, admin and probe endpoints is served (<c>{documentName}</c> is <c>v1</c>).</summary>
    public const string OpenApiPath = "/openapi/{documentName}.json";

    /// <summary>
    /// The host's own settings files (appsettings.json, which the bridge does not read) are not watched for changes: that
    /// watcher covers the content root (the config's folder) and every folder under it, so with the store there
    /// (<c>data/bridge.db</c>, the default) each write to the store's log queued a file event for it to read and match.
    /// The bridge watches its own files (<see cref="ConfigWatchers"/>).
    /// </summary>
    internal const string NoHostConfigWatch = "--hostBuilder:reloadConfigOnChange=false";

    public static WebApplication Build(BridgeRuntime runtime, HostSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [NoHostConfigWatch], ContentRootPath = runtime.Config.BaseDirectory });
        builder.WebHost.UseUrls(settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(k =>
        {
            KestrelLimits.Apply(k.Limits, runtime.Config.Server.Limits);
            k.ConfigureEndpointDefaults(ClientConnectionLimit.Attach);
        });
        var live = new LiveRuntime(runtime);
        var drops = new LogDrops();
        // Each host owns its logger rather than the process-wide static one, so hosts side by side (tests) keep their logs apart.
        builder.Services.AddSerilog(lc =>
        {
            BridgeLogging.Configure(lc, drops);
            settings.ConfigureLogging?.Invoke(lc);
            // Last, so it sees the properties every other enricher added.
            lc.Enrich.With(new SecretRedactor(live));
        }, preserveStaticLogger: true);
        CachingLoggerFactory.Wrap(builder.Services);

        var services = builder.Services;
        services.AddSingleton(settings.Time ?? TimeProvider.System);
        services.AddSingleton(live);
        services.AddSingleton(drops);
        services.AddHostedService<LogDropReporter>();
        services.AddSingleton(sp => new MappingRunner(runtime.Config.MappingLimits, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Silences.MuteLinks(sp.GetRequiredService<IMuteTokens>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new MessageMaker(sp.GetRequiredService<MappingRunner>(), sp.GetRequiredService<Silences.MuteLinks>()));
        var env = settings.Environment ?? EnvInterpolator.FromProcess();
        services.AddSingleton(sp => new ConfigReloader(live, () => new ConfigSource(runtime.Config.FilePath, "").Load(env),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ConfigReloader>>(), settings.ReloadDebounce));
        if (settings.WatchConfig) services.AddHostedService(sp => sp.GetRequiredService<ConfigReloader>());
        services.AddSingleton(_ => runtime.Config.Storage.Provider == StorageProvider.Postgres
            ? new StoreFileState("ok (PostgreSQL: no file to check)")
            : StoreFileCheck.Verify(runtime.Config.Storage.Path, StoreFileCheck.QuickCheckBound));
        services.AddSingleton(sp => OpenStore(runtime.Config.Storage, settings, sp));
        services.AddSingleton(sp => sp.GetRequiredService<BridgeStore>().Events);
        services.AddSingleton(sp => sp.GetRequiredService<BridgeStore>().Outbox);
        services.AddSingleton(sp => sp.GetRequiredService<BridgeStore>().Admin);
        services.AddSingleton(sp => sp.GetRequiredService<BridgeStore>().Retention);
        services.AddSingleton(sp => sp.GetRequiredService<BridgeStore>().Health);
        services.AddSingleton(sp => sp.GetRequiredService<BridgeStore>().GroupWaits);
        services.AddSingleton(sp => sp.GetRequiredService<BridgeStore>().DestinationStates);
        services.AddSingleton<GroupCache>();
        services.AddSingleton<GroupResolver>();
        services.AddSingleton<GroupWaitWorker>();
        services.AddSingleton<EventMapper>();
        services.AddSingleton<Incidents.IncidentWorker>();
        services.AddSingleton<Silences.SilenceBook>();
        services.AddSingleton<Silences.Silencer>();
        services.AddSingleton(sp => sp.GetRequiredService<BridgeStore>().Incidents);
        services.AddSingleton(sp => sp.GetRequiredService<BridgeStore>().MuteTokens);
        services.AddSingleton<Signal>();
        services.AddSingleton<DurableEventQueue>();
        services.AddSingleton<IEventQueue>(sp => sp.GetRequiredService<DurableEventQueue>());
        services.AddSingleton<AdminAccess>();
        services.AddSingleton<BridgeMetrics>();
        services.AddSingleton<HookMetricsFilter>();
        services.AddSingleton<DashboardPulse>();
        services.AddSingleton<DashboardSessions>();
        services.AddSingleton<DashboardAccess>();
        services.AddSingleton<DashboardAccess.Filter>();
        services.AddOpenApi();
        services.AddEdge();
        services.AddSingleton<DestinationSenders>();
        services.AddSingleton<DeliveryWorker>();
        // Before the processor: the stored silences are in force, the mute key loaded and the stored incidents listed before any event is judged.
        services.AddHostedService(sp => sp.GetRequiredService<Silences.Silencer>());
        services.AddHostedService(sp => sp.GetRequiredService<Silences.MuteLinks>());
        services.AddHostedService(sp => sp.GetRequiredService<Incidents.IncidentWorker>());
        services.AddHostedService<EventProcessor>();
        services.AddHostedService(sp => sp.GetRequiredService<GroupWaitWorker>());
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        services.AddHostedService<StoreMaintenance>();
        // Other instances' commits of due messages wake this one's idle delivery workers; without it they only poll.
        if (runtime.Config.Storage is { Provider: StorageProvider.Postgres, Notify: true })
            services.AddHostedService(sp => new PostgresNotifier((PostgresStore)sp.GetRequiredService<BridgeStore>().Engine, sp.GetRequiredService<Signal>().Set,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresNotifier>>()));
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, HttpJson.Default));
        services.AddHealthChecks().AddCheck<BridgeHealthCheck>("bridge");

        var app = builder.Build();
        // Opened now, so a store that cannot be opened stops the start-up with its reason instead of failing requests.
        app.Services.GetRequiredService<BridgeStore>();
        app.UseEdge(runtime.Config.Server);
        app.UseAllowedHosts(runtime.Config.Server);
        app.UseSerilogRequestLogging();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseMiddleware<SecretMaskingMiddleware>();
        app.MapHealthChecks("/healthz", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { ResponseWriter = BridgeHealthCheck.WriteAsync });
        app.MapReadiness();
        app.MapMetrics(app.Services.GetRequiredService<BridgeMetrics>());
        app.MapOpenApi(OpenApiPath);
        app.MapHooks().AddEndpointFilter<HookMetricsFilter>().WithTags("hooks");
        app.MapAdmin();
        Silences.MuteEndpoints.MapMute(app);
        app.MapDashboard();
        return app;
    }

    private static BridgeStore OpenStore(StorageConfig storage, HostSettings settings, IServiceProvider services)
    {
        if (storage.Provider == StorageProvider.Postgres)
        {
            // The database's clock unless a test gave the host a clock of its own (PostgresClock says why).
            var shared = PostgresStore.Open(storage.ConnectionString!, settings.Time, storage.Notify, services.GetRequiredService<ILogger<PostgresStore>>(), storage.Lease);
            return settings.WrapStore?.Invoke(shared) ?? shared;
        }
        // First, so a read-only folder or a damaged file stops the start with its true reason before anything writes.
        var file = services.GetRequiredService<StoreFileState>();
        if (!file.Checked)
            services.GetRequiredService<ILogger<StoreFileState>>().LogWarning("Store {Path}: {State}; check it while the bridge is stopped: sqlite3 {Path} \"PRAGMA quick_check\"", storage.Path, file.Summary, storage.Path);
        var store = SqliteStore.Open(storage.Path, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<SqliteStore>>(),
            services.GetRequiredService<BridgeMetrics>().Committed);
        return settings.WrapStore?.Invoke(store) ?? store;
    }
}
