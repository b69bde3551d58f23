using Bridge.Mappings;
using Bridge.Rules;

namespace Bridge.Configuration;

/// <summary>
/// One configuration, compiled: rules parsed, mappings parsed. Immutable, so a request keeps using the runtime
/// it started with while a reload swaps in a new one.
/// </summary>
public sealed record BridgeRuntime(BridgeConfig Config, RuleSet Rules, MappingCatalog Mappings)
{
    /// <summary>Compiles a loaded config; every rule and mapping problem is collected, none stops the others.</summary>
    public static RuntimeLoadResult Compile(ConfigLoadResult loaded)
    {
        if (loaded.Config is not { } config) return new(null, loaded.Errors, loaded.Warnings);
        var errors = new List<ConfigError>();
        var rules = RuleSet.Compile(config.Rules, errors);
        var mappings = MappingCatalog.Load(config, errors);
        return errors.Count > 0
            ? new(null, errors, loaded.Warnings)
            : new(new BridgeRuntime(config, rules, mappings), [], loaded.Warnings);
    }
}

/// <summary>A compiled runtime, or every error that prevented one.</summary>
public sealed record RuntimeLoadResult(BridgeRuntime? Runtime, IReadOnlyList<ConfigError> Errors, IReadOnlyList<string> Warnings);
