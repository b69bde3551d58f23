using Bridge.Events;

namespace Bridge.Rules.KeyMatchers;

/// <summary><c>source</c> and <c>severity</c>: one of a fixed set of strings; a missing event value never matches.</summary>
internal sealed class ExactSetMatcher(string key, IReadOnlyList<string> values, Func<BridgeEvent, string?> field, StringComparer comparer)
    : KeyMatcher(key, values)
{
    private readonly HashSet<string> set = new(values, comparer);

    public override bool Matches(in MatchInput input) => field(input.Event) is { } value && set.Contains(value);

    public override string ExplainMismatch(in MatchInput input) =>
        field(input.Event) is { } value
            ? $"{Key}: event has \"{value}\", {Wanted}"
            : $"{Key}: event has no {Key}, {Wanted}";

    public override string ExplainMatch(in MatchInput input) => $"{Key} \"{field(input.Event)}\"";
}
