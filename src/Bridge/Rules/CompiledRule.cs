using Bridge.Configuration;
using Bridge.Events;
using Bridge.Rules.KeyMatchers;

namespace Bridge.Rules;

/// <summary>A rule whose match keys are parsed (CIDRs, wildcards) and ready to evaluate.</summary>
public sealed class CompiledRule
{
    private RuleMatchers? matchers;

    public required RuleConfig Config { get; init; }

    public string Name => Config.Name;

    /// <summary>
    /// Set by <see cref="RuleSet.Compile"/>. A rule made directly (<c>new CompiledRule { Config = ... }</c>, as tests
    /// of later stages do) compiles its keys on first use and throws if they are invalid, since that is a bug.
    /// </summary>
    internal RuleMatchers Matchers
    {
        // A race here compiles twice and keeps either result; both are equal, so no lock is needed.
        get => matchers ??= RuleCompiler.CompileValid(Config);
        init => matchers = value;
    }

    /// <summary>
    /// Whether every <c>match</c> key matches the event and the <c>unless</c> keys do not all match.
    /// </summary>
    /// <param name="reason">Null on a match; otherwise the first failing key and the values involved,
    /// e.g. <c>action: event has "login_failed", rule wants one of [login]</c>.</param>
    public bool Matches(BridgeEvent e, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(e);
        var input = MatchInput.From(e, Matchers.NeedsClientIp);
        return Matches(input, out reason);
    }

    internal bool Matches(in MatchInput input, out string? reason)
    {
        var m = Matchers;
        foreach (var key in m.Match)
        {
            if (!key.Matches(input))
            {
                reason = key.ExplainMismatch(input);
                return false;
            }
        }

        if (m.Unless is { } unless && AllMatch(unless, input))
        {
            reason = ExplainUnless(unless, input);
            return false;
        }

        reason = null;
        return true;
    }

    private static bool AllMatch(KeyMatcher[] keys, in MatchInput input)
    {
        foreach (var key in keys)
        {
            if (!key.Matches(input))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary><c>unless: matched (action "login", client_ip 10.0.0.15 in 10.0.0.0/8)</c>.</summary>
    private static string ExplainUnless(KeyMatcher[] keys, in MatchInput input)
    {
        var parts = new string[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            parts[i] = keys[i].ExplainMatch(input);
        }
        return $"unless: matched ({string.Join(", ", parts)})";
    }
}
