using Bridge.Configuration;

namespace Bridge.Mappings;

/// <summary>Every mapping a configuration names, compiled once, plus the built-in default.</summary>
public sealed class MappingCatalog
{
    private static readonly Lazy<CompiledMapping> BuiltIn = new(LoadDefault);

    private readonly Dictionary<string, CompiledMapping> _byPath;
    private readonly string? _directory;

    private MappingCatalog(string? directory, Dictionary<string, CompiledMapping> byPath)
    {
        _directory = directory;
        _byPath = byPath;
        Mappings = [.. byPath.Values.OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    /// <summary>The built-in mapping used by rules that name none; embedded in the program.</summary>
    public static CompiledMapping Default => BuiltIn.Value;

    /// <summary>The mapping files that compiled, sorted by name (for <c>bridge check</c>); the default is not listed.</summary>
    public IReadOnlyList<CompiledMapping> Mappings { get; }

    /// <summary>The names of <see cref="Mappings"/>, as the rules wrote them.</summary>
    public IReadOnlyList<string> Names => [.. Mappings.Select(m => m.Name)];

    /// <summary>Reads and compiles each mapping file the rules name; syntax errors go to <paramref name="errors"/> with file, line and column.</summary>
    public static MappingCatalog Load(BridgeConfig config, ICollection<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(errors);
        var byPath = new Dictionary<string, CompiledMapping>(StringComparer.Ordinal);
        // Several rules may share a file: read and parse it once, report its problem once per rule that names it.
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rule in config.Rules)
        {
            if (rule.Mapping is null) continue;
            var path = Path.GetFullPath(Path.Combine(config.MappingsDirectory, rule.Mapping));
            if (byPath.ContainsKey(path)) continue;
            if (!failed.TryGetValue(path, out var error))
            {
                var mapping = Compile(rule.Mapping, path, config.MappingLimits, out error);
                if (mapping is not null)
                {
                    byPath[path] = mapping;
                    continue;
                }
                failed[path] = error!;
            }
            errors.Add(new ConfigError($"{rule.Path}.mapping", error!));
        }
        return new MappingCatalog(config.MappingsDirectory, byPath);
    }

    /// <summary>A catalog of one file, for <c>bridge try --mapping FILE</c> (no configuration); errors use the path <c>mapping</c>.</summary>
    public static MappingCatalog ForFile(string path, ICollection<ConfigError> errors, MappingLimitsConfig? limits = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var full = Path.GetFullPath(path);
        var byPath = new Dictionary<string, CompiledMapping>(StringComparer.Ordinal);
        var mapping = Compile(Path.GetFileName(full), full, limits ?? MappingLimitsConfig.Default, out var error);
        if (mapping is null) errors.Add(new ConfigError("mapping", error!));
        else byPath[full] = mapping;
        return new MappingCatalog(Path.GetDirectoryName(full), byPath);
    }

    /// <summary>The compiled mapping a rule names, <see cref="Default"/> when it names none, null when its file failed to load.</summary>
    public CompiledMapping? For(RuleConfig rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return Find(rule.Mapping);
    }

    /// <summary>A mapping by the name a rule uses (relative to the mappings folder); null name means <see cref="Default"/>.</summary>
    public CompiledMapping? Find(string? name)
    {
        if (name is null) return Default;
        if (_directory is null) return null;
        return _byPath.GetValueOrDefault(Path.GetFullPath(Path.Combine(_directory, name)));
    }

    private static CompiledMapping? Compile(string name, string path, MappingLimitsConfig limits, out string? error)
    {
        string source;
        try
        {
            source = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            error = $"file not found: {path}";
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read {path}: {ex.Message}";
            return null;
        }
        return MappingCompiler.Compile(name, path, source, limits, out error);
    }

    /// <summary>The built-in mapping's source text (the playground shows it to edit).</summary>
    public static string DefaultSource => BuiltInSource.Value;

    private static readonly Lazy<string> BuiltInSource = new(() =>
    {
        using var stream = typeof(MappingCatalog).Assembly.GetManifestResourceStream("Bridge.Mappings.default.js")
            ?? throw new InvalidOperationException("The built-in mapping resource Bridge.Mappings.default.js is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private static CompiledMapping LoadDefault() =>
        MappingCompiler.Compile("(default)", null, DefaultSource, MappingLimitsConfig.Default, out var error)
            ?? throw new InvalidOperationException($"The built-in mapping does not load: {error}");
}
