using System.Net;
using Bridge.Configuration;
using Bridge.Rules.KeyMatchers;

namespace Bridge.Rules;

/// <summary>
/// Turns a rule's <see cref="MatchSpec"/>s into matchers. Reports every problem with its path rather than
/// stopping at the first, so one run of <c>bridge check</c> shows everything to fix.
/// </summary>
internal static class RuleCompiler
{
    private static readonly string[] Severities = ["notice", "warning", "alert"];

    /// <summary>The rule's matchers, or null when it had errors (all of them added to <paramref name="errors"/>).</summary>
    public static RuleMatchers? Compile(RuleConfig rule, ICollection<ConfigError> errors)
    {
        var before = errors.Count;
        var match = CompileSpec(rule.Match, $"{rule.Path}.match", errors);
        KeyMatcher[]? unless = null;
        if (rule.Unless is { } unlessSpec)
        {
            unless = CompileSpec(unlessSpec, $"{rule.Path}.unless", errors);
            if (IsEmpty(unlessSpec))
            {
                // "unless all of no keys" is always true: the rule could never fire.
                errors.Add(new ConfigError($"{rule.Path}.unless", "has no keys, so it would exclude every event; give keys or remove it"));
            }
        }
        return errors.Count == before ? new RuleMatchers(match, unless) : null;
    }

    /// <summary>Compiles a rule that must be valid; for rules built outside <see cref="RuleSet.Compile"/>.</summary>
    public static RuleMatchers CompileValid(RuleConfig rule)
    {
        var errors = new List<ConfigError>();
        return Compile(rule, errors)
            ?? throw new InvalidOperationException($"rule '{rule.Name}' is invalid: {string.Join("; ", errors)}");
    }

    private static KeyMatcher[] CompileSpec(MatchSpec spec, string path, ICollection<ConfigError> errors)
    {
        var matchers = new List<KeyMatcher>(MatchSpec.Keys.Count);
        // Keys in MatchSpec.Keys order: verdicts report the first failing key in that order.
        if (Values(spec.Source, $"{path}.source", errors) is { } source)
        {
            matchers.Add(new ExactSetMatcher("source", source, static e => e.Source, StringComparer.Ordinal));
        }
        if (Values(spec.Action, $"{path}.action", errors) is { } action)
        {
            matchers.Add(new WildcardMatcher("action", action, static e => e.Action));
        }
        if (Values(spec.Group, $"{path}.group", errors) is { } group)
        {
            matchers.Add(new GroupMatcher(group));
        }
        if (Values(spec.User, $"{path}.user", errors) is { } user)
        {
            matchers.Add(new UserMatcher(user));
        }
        if (Values(spec.ClientIp, $"{path}.client_ip", errors) is { } clientIp && ClientIp(clientIp, $"{path}.client_ip", errors) is { } cidr)
        {
            matchers.Add(cidr);
        }
        if (Values(spec.App, $"{path}.app", errors) is { } app)
        {
            matchers.Add(new WildcardMatcher("app", app, static e => e.App));
        }
        if (Values(spec.Model, $"{path}.model", errors) is { } model)
        {
            matchers.Add(new WildcardMatcher("model", model, static e => e.Model));
        }
        if (Values(spec.Severity, $"{path}.severity", errors) is { } severity && Severity(severity, $"{path}.severity", errors))
        {
            matchers.Add(new ExactSetMatcher("severity", severity, static e => e.Severity, StringComparer.OrdinalIgnoreCase));
        }
        return [.. matchers];
    }

    /// <summary>The key's values when present and none is empty; null when absent or invalid (errors added).</summary>
    private static IReadOnlyList<string>? Values(IReadOnlyList<string>? values, string path, ICollection<ConfigError> errors)
    {
        if (values is null)
        {
            return null;
        }
        if (values.Count == 0)
        {
            errors.Add(new ConfigError(path, "empty list: give at least one value or remove the key"));
            return null;
        }
        var valid = true;
        for (var i = 0; i < values.Count; i++)
        {
            // YAML can hand us null entries ("- ~") despite the non-nullable type.
            if (string.IsNullOrWhiteSpace(values[i]))
            {
                errors.Add(new ConfigError(ValuePath(path, i, values.Count), "empty value"));
                valid = false;
            }
        }
        return valid ? values : null;
    }

    private static CidrMatcher? ClientIp(IReadOnlyList<string> values, string path, ICollection<ConfigError> errors)
    {
        var networks = new IPNetwork[values.Count];
        var valid = true;
        for (var i = 0; i < values.Count; i++)
        {
            if (!IpRange.TryParse(values[i], out networks[i]))
            {
                errors.Add(new ConfigError(ValuePath(path, i, values.Count), $"\"{values[i]}\" is not an IP address or CIDR range"));
                valid = false;
            }
        }
        return valid ? new CidrMatcher(values, networks) : null;
    }

    private static bool Severity(IReadOnlyList<string> values, string path, ICollection<ConfigError> errors)
    {
        var valid = true;
        for (var i = 0; i < values.Count; i++)
        {
            if (!IsSeverity(values[i]))
            {
                errors.Add(new ConfigError(ValuePath(path, i, values.Count), $"\"{values[i]}\" is not a severity; use notice, warning or alert"));
                valid = false;
            }
        }
        return valid;
    }

    private static bool IsSeverity(string value)
    {
        foreach (var severity in Severities)
        {
            if (severity.Equals(value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A single value is reported at the key's path; one of several at its index.</summary>
    private static string ValuePath(string path, int index, int count) => count > 1 ? $"{path}[{index}]" : path;

    private static bool IsEmpty(MatchSpec spec) =>
        spec.Source is null && spec.Action is null && spec.Group is null && spec.User is null
        && spec.ClientIp is null && spec.App is null && spec.Model is null && spec.Severity is null;
}
