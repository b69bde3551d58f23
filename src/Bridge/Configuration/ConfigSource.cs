using System.Reflection;

namespace Bridge.Configuration;

/// <summary>
/// Finds the config to run on: <c>--config</c>, then <c>BRIDGE_CONFIG</c>, then <c>./bridge.yaml</c>, and when none
/// exists the sample embedded in the executable, so a fresh clone runs with one command.
/// </summary>
public sealed record ConfigSource(string? FilePath, string Description)
{
    public const string EnvironmentVariable = "BRIDGE_CONFIG";
    public const string DefaultFileName = "bridge.yaml";
    private const string EmbeddedSampleResource = "Bridge.samples.bridge.yaml";

    public bool IsEmbeddedSample => FilePath is null;

    public static ConfigSource Resolve(string? commandLinePath, Func<string, string?> getVariable)
    {
        if (!string.IsNullOrEmpty(commandLinePath)) return new(commandLinePath, $"config file {Path.GetFullPath(commandLinePath)}");
        if (getVariable(EnvironmentVariable) is { Length: > 0 } fromEnv) return new(fromEnv, $"config file {Path.GetFullPath(fromEnv)} (from {EnvironmentVariable})");
        if (File.Exists(DefaultFileName)) return new(DefaultFileName, $"config file {Path.GetFullPath(DefaultFileName)}");
        return new(null, $"the embedded sample config (no --config, no {EnvironmentVariable}, no ./{DefaultFileName})");
    }

    public RuntimeLoadResult Load(EnvInterpolator env)
    {
        var loaded = FilePath is null
            ? ConfigLoader.Load(ReadEmbeddedSample(), null, Directory.GetCurrentDirectory(), env)
            : ConfigLoader.LoadFile(FilePath, env);
        return BridgeRuntime.Compile(loaded);
    }

    private static string ReadEmbeddedSample()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(EmbeddedSampleResource)
            ?? throw new InvalidOperationException($"resource {EmbeddedSampleResource} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
