using System.Threading.Channels;

namespace Bridge.Configuration;

/// <summary>
/// Hot reload (the YARP policy): when the config file or a mapping changes, the whole configuration is loaded and
/// compiled again; if every rule and mapping is valid it replaces the live one, otherwise each problem is logged and
/// the last good configuration keeps running. Events already accepted finish on the runtime they started with.
/// </summary>
/// <param name="load">Loads and compiles the configuration from its files, as at start-up.</param>
/// <param name="debounce">Quiet time after the last change before reloading. Default 300 ms: editors save in steps (truncate, write, rename).</param>
public sealed class ConfigReloader(LiveRuntime live, Func<RuntimeLoadResult> load, TimeProvider time, ILogger<ConfigReloader> log, TimeSpan debounce)
    : BackgroundService
{
    /// <summary>The default quiet time before a reload.</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(300);

    // One pending signal is enough: a reload reads every file anew.
    private readonly Channel<string> _changes = Channel.CreateBounded<string>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _gate = new();

    /// <summary>Asks for a reload after the debounce time (file watchers call this; so may an admin endpoint).</summary>
    public void Notify(string what) => _changes.Writer.TryWrite(what);

    private ConfigWatchers? _watchers;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Watching starts before the host reports started (ExecuteAsync runs later, in the background), so an edit
        // made right after start-up is never missed.
        _watchers = ConfigWatchers.Start(live.Current.Config, Notify, log);
        log.LogInformation("Watching {Paths} for changes; edits take effect without a restart", _watchers.Watched);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watchers = _watchers ?? ConfigWatchers.Start(live.Current.Config, Notify, log);
        try
        {
            await foreach (var first in _changes.Reader.ReadAllAsync(stoppingToken))
            {
                do
                {
                    await Task.Delay(debounce, time, stoppingToken);
                }
                while (_changes.Reader.TryRead(out _));
                var before = live.Current.Config;
                Reload(first);
                var after = live.Current.Config;
                // A reload may move the mappings folder (mappings_dir): watch where the files now are.
                if (after.MappingsDirectory != before.MappingsDirectory || after.FilePath != before.FilePath)
                {
                    watchers.Dispose();
                    watchers = ConfigWatchers.Start(after, Notify, log);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            watchers.Dispose();
        }
    }

    /// <summary>Loads, validates and swaps in the configuration now; returns what loading found.</summary>
    public RuntimeLoadResult Reload(string reason)
    {
        lock (_gate)
        {
            RuntimeLoadResult result;
            try
            {
                result = load();
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Configuration reload after a change to {Changed} failed; the previous configuration stays in force", reason);
                return new RuntimeLoadResult(null, [new ConfigError("", ex.Message)], []);
            }
            if (result.Runtime is not { } next)
            {
                log.LogError("Configuration reload rejected after a change to {Changed}: {Count} problem(s); the previous configuration stays in force",
                    reason, result.Errors.Count);
                foreach (var error in result.Errors) log.LogError("Reload problem: {Problem}", error.ToString());
                return result;
            }
            var current = live.Current.Config;
            live.Replace(next);
            foreach (var warning in result.Warnings) log.LogWarning("{Warning}", warning);
            // These are read once at start-up by long-lived parts (the listener, the sandbox's concurrency bound).
            if (next.Config.MappingLimits != current.MappingLimits) log.LogWarning("mapping_limits changed: the new limits take effect after a restart");
            if (StartUpOnly(current.Server, next.Config.Server) is { Count: > 0 } restart)
                log.LogWarning("{Settings} changed: the bridge keeps the values it started with until a restart", string.Join(", ", restart));
            log.LogInformation("Configuration reloaded after a change to {Changed}: {Rules} rules, {Mappings} mapping files", reason, next.Config.Rules.Count, next.Mappings.Mappings.Count);
            return result;
        }
    }

    /// <summary>The changed <c>server</c> settings that only a restart applies (the listener and the middleware read them once).</summary>
    internal static List<string> StartUpOnly(ServerConfig was, ServerConfig now)
    {
        var changed = new List<string>();
        if (was.Urls != now.Urls) changed.Add("server.urls");
        if (!was.TrustedProxies.Equals(now.TrustedProxies)) changed.Add("server.trusted_proxies");
        if (!was.AllowedHosts.Equals(now.AllowedHosts) || was.PublicUrl != now.PublicUrl) changed.Add("server.allowed_hosts (and the host server.public_url adds to it)");
        var (a, b) = (was.Limits, now.Limits);
        if (a.MaxHeaderBytes != b.MaxHeaderBytes || a.HeadersTimeout != b.HeadersTimeout || a.MinBodyRate != b.MinBodyRate
            || a.MaxConnections != b.MaxConnections || a.KeepAliveTimeout != b.KeepAliveTimeout)
            changed.Add("server.limits (max_header_size, headers_timeout, min_body_rate, max_connections, keep_alive_timeout)");
        return changed;
    }
}
