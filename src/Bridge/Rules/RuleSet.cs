using Bridge.Configuration;
using Bridge.Events;

namespace Bridge.Rules;

/// <summary>The compiled rules of one configuration, evaluated in file order.</summary>
public sealed class RuleSet
{
    private readonly CompiledRule[] rules;

    // A match verdict carries no event data, so each rule's is built once and shared by every evaluation.
    private readonly RuleVerdict[] matchedVerdicts;

    private readonly bool needsClientIp;

    // Names are unique (the config loader refuses duplicates); stored events name their rules, so lookups are per event.
    private readonly Dictionary<string, CompiledRule> byName;

    private RuleSet(CompiledRule[] rules)
    {
        this.rules = rules;
        byName = rules.ToDictionary(r => r.Name, StringComparer.Ordinal);
        matchedVerdicts = new RuleVerdict[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            matchedVerdicts[i] = new RuleVerdict(rules[i].Name, true, null);
            needsClientIp |= rules[i].Matchers.NeedsClientIp;
        }
    }

    /// <summary>
    /// Compiles every rule, adding each problem (bad CIDR, empty value...) to <paramref name="errors"/> with its path.
    /// When errors were added, the set holds only the rules that compiled and should not be put into service.
    /// </summary>
    public static RuleSet Compile(IReadOnlyList<RuleConfig> rules, ICollection<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(errors);

        var compiled = new List<CompiledRule>(rules.Count);
        foreach (var rule in rules)
        {
            if (RuleCompiler.Compile(rule, errors) is { } matchers)
            {
                compiled.Add(new CompiledRule { Config = rule, Matchers = matchers });
            }
        }
        return new RuleSet([.. compiled]);
    }

    /// <summary>The compiled rules, in file order.</summary>
    public IReadOnlyList<CompiledRule> Rules => rules;

    /// <summary>The rule of that name, or null when this configuration has none.</summary>
    public CompiledRule? Find(string name) => byName.GetValueOrDefault(name);

    /// <summary>One verdict per rule in file order; rules after a matching <c>stop: true</c> rule are reported as not tried.</summary>
    public IReadOnlyList<RuleVerdict> Evaluate(BridgeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);

        var verdicts = new RuleVerdict[rules.Length];
        var input = MatchInput.From(e, needsClientIp);
        string? notTried = null;
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = rules[i];
            if (notTried is not null)
            {
                verdicts[i] = new RuleVerdict(rule.Name, false, notTried);
            }
            else if (rule.Matches(input, out var reason))
            {
                verdicts[i] = matchedVerdicts[i];
                if (rule.Config.Stop)
                {
                    notTried = $"not tried: rule '{rule.Name}' matched first and has stop: true";
                }
            }
            else
            {
                verdicts[i] = new RuleVerdict(rule.Name, false, reason);
            }
        }
        return verdicts;
    }
}
