using Bridge.Events;

namespace Bridge.Rules.KeyMatchers;

/// <summary>
/// <c>action</c>, <c>app</c> and <c>model</c>: exact or <c>*</c>-glob values, case-sensitive because Authentik
/// writes them in lower case. A missing event value is matched only by a bare <c>*</c>.
/// </summary>
internal sealed class WildcardMatcher(string key, IReadOnlyList<string> values, Func<BridgeEvent, string?> field)
    : KeyMatcher(key, values)
{
    private readonly PatternSet patterns = new(values, StringComparison.Ordinal);

    public override bool Matches(in MatchInput input) =>
        field(input.Event) is { } value ? patterns.IsMatch(value) : patterns.MatchesAll;

    public override string ExplainMismatch(in MatchInput input) =>
        field(input.Event) is { } value
            ? $"{Key}: event has \"{value}\", {Wanted}"
            : $"{Key}: event has no {Key}, {Wanted}";

    public override string ExplainMatch(in MatchInput input)
    {
        if (field(input.Event) is not { } value)
        {
            return $"{Key} (none) matches *";
        }
        var pattern = patterns.FindMatch(value);
        return pattern == value ? $"{Key} \"{value}\"" : $"{Key} \"{value}\" matches {pattern}";
    }
}
