using Bridge.Configuration;
using Bridge.Events;

namespace Bridge.Rules;

/// <summary>The compiled rules of one configuration, evaluated in file order.</summary>
public sealed class RuleSet
{
    /// <summary>Compiles every rule, adding each problem (bad CIDR, empty value...) to <paramref name="errors"/> with its path.</summary>
    public static RuleSet Compile(IReadOnlyList<RuleConfig> rules, ICollection<ConfigError> errors) => throw new NotImplementedException();

    public IReadOnlyList<CompiledRule> Rules => throw new NotImplementedException();

    /// <summary>One verdict per rule in file order; rules after a matching <c>stop: true</c> rule are reported as not tried.</summary>
    public IReadOnlyList<RuleVerdict> Evaluate(BridgeEvent e) => throw new NotImplementedException();
}

/// <summary>A rule whose match keys are parsed (CIDRs, wildcards) and ready to evaluate.</summary>
public sealed class CompiledRule
{
    public required RuleConfig Config { get; init; }
    public string Name => Config.Name;
}
