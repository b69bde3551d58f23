using Bridge.Rules.KeyMatchers;

namespace Bridge.Rules;

/// <summary>The compiled <c>match</c> and <c>unless</c> keys of one rule, in <see cref="Configuration.MatchSpec.Keys"/> order.</summary>
internal sealed class RuleMatchers(KeyMatcher[] match, KeyMatcher[]? unless)
{
    public KeyMatcher[] Match { get; } = match;

    /// <summary>Null when the rule has no <c>unless</c>; never empty (an empty one is a compile error).</summary>
    public KeyMatcher[]? Unless { get; } = unless;

    /// <summary>Whether any key looks at the client address, so evaluation parses it only when needed.</summary>
    public bool NeedsClientIp { get; } = HasClientIp(match) || (unless is not null && HasClientIp(unless));

    private static bool HasClientIp(KeyMatcher[] matchers) => Array.Exists(matchers, static m => m is CidrMatcher);
}
