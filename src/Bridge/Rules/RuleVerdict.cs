namespace Bridge.Rules;

/// <summary>What one rule decided about one event, with the reason when it did not match.</summary>
/// <param name="Reason">Why it did not match, in words a user can act on
/// (<c>group: alice has groups [staff], wanted one of [authentik Admins]</c>); null when it matched.</param>
public sealed record RuleVerdict(string Rule, bool Matched, string? Reason);
