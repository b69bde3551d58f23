using Bridge.Events;

namespace Bridge.Rules.KeyMatchers;

/// <summary>
/// <c>user</c>: the event user's username (case-sensitive, as Authentik stores it) or email (case-insensitive,
/// since people write addresses in mixed case), each value exact or a <c>*</c>-glob.
/// An event without a user never matches, not even <c>*</c>: <c>user: "*"</c> means "caused by a person".
/// </summary>
internal sealed class UserMatcher(IReadOnlyList<string> values) : KeyMatcher("user", values)
{
    private readonly PatternSet usernames = new(values, StringComparison.Ordinal);
    private readonly PatternSet emails = new(values, StringComparison.OrdinalIgnoreCase);

    public override bool Matches(in MatchInput input) => input.Event.User is { } user
        && ((user.Username is { } name && usernames.IsMatch(name)) || (user.Email is { } email && emails.IsMatch(email)));

    public override string ExplainMismatch(in MatchInput input)
    {
        if (input.Event.User is not { } user)
        {
            return $"user: the event has no user, {Wanted}";
        }
        var who = user.Email is null ? $"\"{Name(user)}\"" : $"\"{Name(user)}\" <{user.Email}>";
        return $"user: event has {who}, {Wanted}";
    }

    public override string ExplainMatch(in MatchInput input)
    {
        var user = input.Event.User!;
        return user.Username is { } name && usernames.IsMatch(name) ? $"user \"{name}\"" : $"user \"{user.Email}\"";
    }

    /// <summary>How reasons name a user: username, else email, else pk.</summary>
    internal static string Name(EventUser user) => user.Username ?? user.Email ?? user.Pk ?? "(unnamed)";
}
