using Serilog;
using Serilog.Configuration;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Bridge.Hosting;

/// <summary>Serilog set-up shared by the service and the CLI commands.</summary>
public static class BridgeLogging
{
    /// <summary><c>BRIDGE_LOG_FORMAT=json</c> writes one compact JSON object per line, for log collectors.</summary>
    public const string FormatVariable = "BRIDGE_LOG_FORMAT";

    /// <summary><c>BRIDGE_LOG_LEVEL</c>: Verbose, Debug, Information (default), Warning, Error.</summary>
    public const string LevelVariable = "BRIDGE_LOG_LEVEL";

    /// <summary>Lines the console buffer holds; beyond it, new lines are dropped (and counted) rather than making a request wait.</summary>
    public const int BufferedLines = 10_000;

    /// <param name="drops">Counts what the bounded buffer dropped.</param>
    public static LoggerConfiguration Configure(LoggerConfiguration config, LogDrops drops)
    {
        var level = Enum.TryParse<LogEventLevel>(Environment.GetEnvironmentVariable(LevelVariable), ignoreCase: true, out var l) ? l : LogEventLevel.Information;
        config
            .MinimumLevel.Is(level)
            // ASP.NET Core's own request lines include the query string, which may carry a hook token (?token=).
            // Request logging comes from Serilog's middleware instead, which logs the path only.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            // Where it listens and that it started are worth a line at any level (and supervisors wait for them).
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("Microsoft.Extensions.Http", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .Enrich.FromLogContext();
        // The console is written by one background loop in batches: a request only queues its line.
        if (Environment.GetEnvironmentVariable(FormatVariable) == "json")
            return config.WriteTo.Sink(Buffered(a => a.Console(new CompactJsonFormatter()), drops));
        return config
            .Enrich.With<ControlCharacterEscaper>()
            .WriteTo.Sink(Buffered(a => a.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}"), drops));
    }

    private static BufferedLogSink Buffered(Action<LoggerSinkConfiguration> console, LogDrops drops) =>
        new(LoggerSinkConfiguration.CreateSink(console), BufferedLines, drops);
}
