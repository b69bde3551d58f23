using System.CommandLine;
using Bridge.Configuration;
using Bridge.Hosting;
using Bridge.Storage;

namespace Bridge.Cli;

/// <summary><c>bridge serve</c> (also plain <c>bridge</c>): run the service until stopped.</summary>
public static class ServeCommand
{
    public static readonly Option<string?> Urls = new("--urls")
    {
        Description = "Where to listen, e.g. http://0.0.0.0:8080 (overrides ASPNETCORE_URLS and server.urls)",
    };

    public static Command Create()
    {
        var command = new Command("serve", "Run the bridge (the default when no command is given)") { Urls };
        command.SetAction((result, ct) => RunAsync(result, ct));
        return command;
    }

    public static async Task<int> RunAsync(ParseResult result, CancellationToken ct)
    {
        var (runtime, source) = RuntimeLoading.Load(result.GetValue(BridgeCli.Config), Console.Out, Console.Error);
        if (runtime is null)
        {
            await Console.Error.WriteLineAsync("error: refusing to start until the configuration is fixed (`bridge check` shows the same list)");
            return 1;
        }

        var urls = result.GetValue(Urls) ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? runtime.Config.Server.Urls;
        if (ListenCheck.FirstBusy(urls) is { } busy)
        {
            await Console.Error.WriteLineAsync($"error: cannot listen on {busy}: the address is already in use (is another bridge running?); stop that process, or choose another address with --urls or server.urls");
            return 1;
        }
        WebApplication app;
        try
        {
            app = BridgeHost.Build(runtime, new HostSettings(urls));
        }
        catch (StoreUnavailableException e)
        {
            await Console.Error.WriteLineAsync($"error: refusing to start without the store: {e.Message}");
            return 1;
        }
        await using var disposeApp = app;
        var log = app.Services.GetRequiredService<ILogger<LiveRuntime>>();
        LogSummary(log, runtime, source, urls);
        var waiting = await app.Services.GetRequiredService<IAdminStore>().CountAsync(ct);
        var pending = waiting.Messages.Values.Sum(m => m.GetValueOrDefault(MessageStatus.Pending));
        if (waiting.UnprocessedEvents + pending > 0)
            log.LogInformation("Resuming from the store: {Events} events to process, {Messages} messages to deliver", waiting.UnprocessedEvents, pending);
        await app.RunAsync();
        return 0;
    }

    private static void LogSummary(ILogger log, BridgeRuntime runtime, ConfigSource source, string urls)
    {
        var c = runtime.Config;
        log.LogInformation("Bridge starting on {Urls} with {Config}", urls, source.Description);
        if (source.IsEmbeddedSample)
            log.LogWarning("Running the embedded sample config: fine for trying the bridge, not for production (write a bridge.yaml; see docs/setup.md)");
        foreach (var s in c.Sources.Values)
            log.LogInformation("Source {Source} ({Format}) at POST /hooks/{Source}, {Auth}", s.Name, s.Format, s.Name, Ingest.Auth.AuthSummary.Describe(s));
        foreach (var d in c.Destinations.Values)
            log.LogInformation("Destination {Destination}: {Target}", d.Name, d.IsDryRun ? "dry-run (no url: messages are logged, not sent)" : d.Url!.ToString());
        log.LogInformation("{Count} rules: {Rules}", c.Rules.Count, c.Rules.Select(r => r.Name));
        log.LogInformation("Store: {Store} (events and messages are kept there until delivered; see docs/durability.md)", c.Storage.Description);
    }
}
