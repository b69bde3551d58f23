using YamlDotNet.RepresentationModel;

namespace Bridge.Configuration;

/// <summary>
/// Reads one YAML mapping with its path, collecting every problem instead of stopping at the first one
/// (the YARP rule: report all validation errors at once). Keys that are read are remembered, so
/// <see cref="ReportUnknownKeys"/> can name every key the file has that the bridge does not know.
/// </summary>
public sealed class YamlSection
{
    private readonly YamlMappingNode _node;
    private readonly ConfigReadContext _context;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public YamlSection(YamlMappingNode node, string path, ConfigReadContext context)
    {
        _node = node;
        Path = path;
        _context = context;
    }

    public string Path { get; }

    /// <summary>Errors found so far in the whole file; lets a check skip a follow-on error that would only repeat one already reported.</summary>
    public int ErrorCount => _context.Errors.Count;

    public string ChildPath(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public bool Has(string key) => Find(key) is not null && !IsNull(Find(key)!);

    /// <summary>A plain string value, interpolated from the environment; null when absent.</summary>
    public string? Text(string key, bool required = false)
    {
        var node = Take(key);
        if (node is null || IsNull(node))
        {
            if (required) _context.Error(ChildPath(key), "required", node ?? _node);
            return null;
        }
        return _context.Scalar(node, ChildPath(key));
    }

    /// <summary>
    /// A secret: <c>key</c> or <c>key_file</c> (a file holding it, as Docker secrets are mounted); an empty value counts as absent.
    /// </summary>
    public string? Secret(string key)
    {
        var fileKey = key + "_file";
        var inline = Text(key);
        var file = Text(fileKey);
        if (inline is not null && file is not null)
        {
            _context.Error(ChildPath(fileKey), $"give either {key} or {fileKey}, not both", Find(fileKey)!);
            return null;
        }
        if (file is not null) return _context.ReadSecretFile(file, ChildPath(fileKey), Find(fileKey)!);
        WarnIfLiteralSecret(key);
        return string.IsNullOrEmpty(inline) ? null : inline;
    }

    /// <summary>The content of the file named by <paramref name="fileKey"/> (e.g. <c>token_file</c>); null when the key is absent.</summary>
    public string? SecretFile(string fileKey)
    {
        var file = Text(fileKey);
        return file is null ? null : _context.ReadSecretFile(file, ChildPath(fileKey), Find(fileKey)!);
    }

    /// <summary>
    /// Secrets for rotation: <c>key</c> (one value or a list) and <c>key_file</c> (one path or a list), all together;
    /// null when both are absent. Empty values are kept, so the caller can say which setting came out empty.
    /// </summary>
    public IReadOnlyList<string>? SecretList(string key)
    {
        var fileKey = key + "_file";
        var inline = StringOrList(key);
        var fileNode = Take(fileKey);
        WarnIfLiteralSecret(key);
        if (fileNode is null || IsNull(fileNode)) return inline;
        var files = _context.StringOrList(fileNode, ChildPath(fileKey)) ?? [];
        var secrets = new List<string>(inline ?? []);
        foreach (var file in files)
        {
            if (_context.ReadSecretFile(file, ChildPath(fileKey), fileNode) is { } secret) secrets.Add(secret);
        }
        return secrets;
    }

    /// <summary>A path from the file, resolved against the config file's folder.</summary>
    public string ResolvePath(string path) => _context.ResolvePath(path);

    /// <summary>
    /// Warns when a secret is written into the file itself rather than taken from the environment (<c>${VAR}</c>) or a
    /// file (<c>key_file</c>): a config file gets shared, versioned and pasted into questions.
    /// </summary>
    public void WarnIfLiteralSecret(string key)
    {
        var node = Find(key);
        IEnumerable<YamlNode> values = node is YamlSequenceNode seq ? seq.Children : node is null ? [] : [node];
        foreach (var value in values)
        {
            if (value is YamlScalarNode { Value: { Length: > 0 } text } && !IsNull(value) && !text.Contains("${", StringComparison.Ordinal))
            {
                _context.Warnings.Add($"{ChildPath(key)}: a secret is written in the config file itself; take it from the environment (\"${{VAR}}\") or a file ({key}_file) so the file can be shared without it");
                return;
            }
        }
    }

    /// <summary>Whether the key holds a mapping (rather than a single value or a list).</summary>
    public bool IsMapping(string key) => Find(key) is YamlMappingNode;

    /// <summary>One string or a list of strings; null when absent.</summary>
    public IReadOnlyList<string>? StringOrList(string key)
    {
        var node = Take(key);
        if (node is null || IsNull(node)) return null;
        return _context.StringOrList(node, ChildPath(key));
    }

    public TimeSpan? Duration(string key, TimeSpan? min = null)
    {
        var text = Text(key);
        if (text is null) return null;
        if (!ConfigValues.TryParseDuration(text, out var value))
        {
            _context.Error(ChildPath(key), $"\"{text}\" is not a duration (examples: 500ms, 10s, 5m, 1h, 1h30m)", Find(key)!);
            return null;
        }
        if (min is { } floor && value < floor)
        {
            _context.Error(ChildPath(key), $"{text} is too short (at least {floor.TotalMilliseconds} ms)", Find(key)!);
            return null;
        }
        return value;
    }

    public long? Size(string key)
    {
        var text = Text(key);
        if (text is null) return null;
        if (ConfigValues.TryParseSize(text, out var value) && value > 0) return value;
        _context.Error(ChildPath(key), $"\"{text}\" is not a size (examples: 512KB, 16MB)", Find(key)!);
        return null;
    }

    public int? WholeNumber(string key, int min, int max)
    {
        var text = Text(key);
        if (text is null) return null;
        if (int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        _context.Error(ChildPath(key), $"\"{text}\" is not a whole number from {min} to {max}", Find(key)!);
        return null;
    }

    public bool? Flag(string key)
    {
        var text = Text(key);
        if (text is null) return null;
        switch (text)
        {
            case "true" or "True" or "yes": return true;
            case "false" or "False" or "no": return false;
            default:
                _context.Error(ChildPath(key), $"\"{text}\" is not true or false", Find(key)!);
                return null;
        }
    }

    /// <summary>A nested mapping; null (with an error) when present but not a mapping.</summary>
    public YamlSection? Section(string key, bool required = false)
    {
        var node = Take(key);
        if (node is null || IsNull(node))
        {
            if (required) _context.Error(ChildPath(key), "required", node ?? _node);
            return null;
        }
        if (node is YamlMappingNode map) return new YamlSection(map, ChildPath(key), _context);
        _context.Error(ChildPath(key), "must be a mapping of keys to values", node);
        return null;
    }

    /// <summary>The entries of a mapping whose keys are names chosen by the user (destinations, sources).</summary>
    public IEnumerable<(string Name, YamlSection Section)> NamedSections(string key)
    {
        var section = Section(key);
        if (section is null) yield break;
        foreach (var (k, v) in section._node.Children)
        {
            var name = ((YamlScalarNode)k).Value ?? "";
            var path = section.ChildPath(name);
            if (v is YamlMappingNode map) yield return (name, new YamlSection(map, path, _context));
            else _context.Error(path, "must be a mapping of keys to values", v);
        }
    }

    /// <summary>The items of a list of mappings (rules).</summary>
    public IEnumerable<YamlSection> Sequence(string key)
    {
        var node = Take(key);
        if (node is null || IsNull(node)) yield break;
        if (node is not YamlSequenceNode seq)
        {
            _context.Error(ChildPath(key), "must be a list", node);
            yield break;
        }
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var path = $"{ChildPath(key)}[{i}]";
            if (seq.Children[i] is YamlMappingNode map) yield return new YamlSection(map, path, _context);
            else _context.Error(path, "must be a mapping of keys to values", seq.Children[i]);
        }
    }

    /// <summary>Reports every key of this mapping that was never read, with the keys that would have been.</summary>
    public void ReportUnknownKeys(IReadOnlyCollection<string> known)
    {
        foreach (var (k, _) in _node.Children)
        {
            var name = ((YamlScalarNode)k).Value ?? "";
            if (_read.Contains(name)) continue;
            _context.Error(ChildPath(name), $"unknown key (known keys: {string.Join(", ", known)})", k);
        }
    }

    public void Warn(string key, string message) => _context.Warnings.Add($"{ChildPath(key)}: {message}");

    public void Error(string key, string message) => _context.Error(ChildPath(key), message, Find(key) ?? _node);

    public void Error(string message) => _context.Error(Path, message, _node);

    private YamlNode? Take(string key)
    {
        _read.Add(key);
        return Find(key);
    }

    private YamlNode? Find(string key) =>
        _node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    internal static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };
}
