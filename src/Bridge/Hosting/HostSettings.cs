using Bridge.Storage;
using Serilog;

namespace Bridge.Hosting;

/// <summary>How to host a runtime: where to listen, and the seams tests use (extra log sinks, a fake clock).</summary>
/// <param name="Urls">Semicolon-separated listen URLs.</param>
/// <param name="ConfigureLogging">Adds to the Serilog configuration (tests capture log events this way).</param>
/// <param name="Time">The clock; the system clock unless a test injects one.</param>
public sealed record HostSettings(string Urls, Action<LoggerConfiguration>? ConfigureLogging = null, TimeProvider? Time = null)
{
    /// <summary>Replaces parts of the store the host opens (tests observe or break commits this way); null uses it as it is.</summary>
    public Func<BridgeStore, BridgeStore>? WrapStore { get; init; }

    /// <summary>Where a reload reads <c>${VAR}</c> from; the process environment unless a test gives its own.</summary>
    public Configuration.EnvInterpolator? Environment { get; init; }

    /// <summary>Reload the configuration when its file or a mapping changes. Default true.</summary>
    public bool WatchConfig { get; init; } = true;

    /// <summary>Quiet time after the last file change before reloading. Default 300 ms.</summary>
    public TimeSpan ReloadDebounce { get; init; } = Configuration.ConfigReloader.DefaultDebounce;
}
