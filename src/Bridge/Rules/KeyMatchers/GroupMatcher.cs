namespace Bridge.Rules.KeyMatchers;

/// <summary>
/// <c>group</c>: the event user is in one of the named groups, compared exactly and case-sensitively,
/// as Authentik group names are distinct objects (<c>authentik Admins</c> is not <c>authentik admins</c>).
/// </summary>
internal sealed class GroupMatcher(IReadOnlyList<string> values) : KeyMatcher("group", values)
{
    private const string NoGroupsHint =
        "group: the event carries no groups (install the body mapping from samples/authentik/ so Authentik sends them, or give the source an authentik_api to look them up)";

    private readonly HashSet<string> names = new(values, StringComparer.Ordinal);

    public override bool Matches(in MatchInput input) => FindMatch(input) is not null;

    public override string ExplainMismatch(in MatchInput input)
    {
        var user = input.Event.User;
        if (user is null)
        {
            return $"group: the event has no user, {Wanted}";
        }
        if (!user.HasGroups)
        {
            return NoGroupsHint;
        }
        var reason = $"group: user \"{UserMatcher.Name(user)}\" has groups [{string.Join(", ", user.Groups)}], {Wanted}";
        return CaseOnlyDifference(user.Groups) is { } near ? $"{reason} (\"{near}\" differs only in case)" : reason;
    }

    public override string ExplainMatch(in MatchInput input) => $"group \"{FindMatch(input)}\"";

    private string? FindMatch(in MatchInput input)
    {
        if (input.Event.User is not { } user)
        {
            return null;
        }
        // Indexing, not foreach: Groups is an interface and enumerating it would box an enumerator per event.
        var groups = user.Groups;
        for (var i = 0; i < groups.Count; i++)
        {
            if (names.Contains(groups[i]))
            {
                return groups[i];
            }
        }
        return null;
    }

    /// <summary>The commonest group mistake is case; point at it.</summary>
    private string? CaseOnlyDifference(IReadOnlyList<string> groups)
    {
        foreach (var group in groups)
        {
            foreach (var name in names)
            {
                if (string.Equals(group, name, StringComparison.OrdinalIgnoreCase))
                {
                    return group;
                }
            }
        }
        return null;
    }
}
