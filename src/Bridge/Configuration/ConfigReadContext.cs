using YamlDotNet.RepresentationModel;

namespace Bridge.Configuration;

/// <summary>What every <see cref="YamlSection"/> of one file shares: the error list, the environment and the base directory.</summary>
public sealed class ConfigReadContext(string baseDirectory, EnvInterpolator env, bool hasLineNumbers)
{
    private readonly List<ConfigError> _errors = [];

    public string BaseDirectory { get; } = baseDirectory;

    public IReadOnlyList<ConfigError> Errors => _errors;

    /// <summary>Advice that does not stop the bridge, such as a secret written into the file itself.</summary>
    public List<string> Warnings { get; } = [];

    public void Error(string path, string message, YamlNode at) =>
        _errors.Add(new ConfigError(path, hasLineNumbers ? $"{message} (line {at.Start.Line})" : message));

    public void Error(string path, string message) => _errors.Add(new ConfigError(path, message));

    /// <summary>Resolves a path from the file against the config file's folder, as the file's author expects.</summary>
    public string ResolvePath(string path) => Path.GetFullPath(Path.Combine(BaseDirectory, path));

    internal string? Scalar(YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(path, "must be a single value, not a list or mapping", node);
            return null;
        }
        var value = env.Interpolate(scalar.Value ?? "", out var error);
        if (error is not null) Error(path, error, node);
        return value;
    }

    internal IReadOnlyList<string>? StringOrList(YamlNode node, string path)
    {
        if (node is YamlSequenceNode seq)
        {
            var items = new List<string>(seq.Children.Count);
            for (var i = 0; i < seq.Children.Count; i++)
            {
                if (Scalar(seq.Children[i], $"{path}[{i}]") is { } item) items.Add(item);
            }
            return items;
        }
        return Scalar(node, path) is { } single ? [single] : null;
    }

    internal string? ReadSecretFile(string file, string path, YamlNode at)
    {
        var full = ResolvePath(file);
        try
        {
            // Secret files conventionally end with a newline that is not part of the secret.
            var secret = File.ReadAllText(full).Trim();
            if (secret.Length > 0) return secret;
            Error(path, $"{full} is empty", at);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error(path, $"cannot read {full}: {e.GetType().Name}", at);
        }
        return null;
    }
}
