namespace Bridge.Rules;

/// <summary>What one rule decided about one event, with the reason when it did not match.</summary>
/// <param name="Reason">Why it did not match, in words a user can act on
/// (<c>group: user "bob" has groups [staff], rule wants one of [authentik Admins]</c>): the first failing key
/// in <see cref="Configuration.MatchSpec.Keys"/> order, <c>unless: matched (...)</c>, or <c>not tried: ...</c> after a stop rule; null when it matched.</param>
public sealed record RuleVerdict(string Rule, bool Matched, string? Reason);
