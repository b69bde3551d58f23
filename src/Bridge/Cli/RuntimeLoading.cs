using Bridge.Configuration;

namespace Bridge.Cli;

/// <summary>Loads the runtime for a command, printing every config problem (and warning) the same way for all commands.</summary>
public static class RuntimeLoading
{
    public static (BridgeRuntime? Runtime, ConfigSource Source) Load(string? configPath, TextWriter output, TextWriter errors)
    {
        var source = ConfigSource.Resolve(configPath, Environment.GetEnvironmentVariable);
        var result = source.Load(EnvInterpolator.FromProcess());
        foreach (var warning in result.Warnings) output.WriteLine($"warning: {warning}");
        if (result.Runtime is not null) return (result.Runtime, source);

        errors.WriteLine($"error: {source.Description} has {result.Errors.Count} problem{(result.Errors.Count == 1 ? "" : "s")}:");
        foreach (var error in result.Errors) errors.WriteLine($"  {error}");
        if (source.IsEmbeddedSample)
            errors.WriteLine("hint: the embedded sample reads its mappings from ./mappings: run from the repository root, or give --config");
        return (null, source);
    }
}
