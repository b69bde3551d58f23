namespace Bridge.Rules.KeyMatchers;

/// <summary>
/// One compiled match key (<c>action</c>, <c>client_ip</c>…). Matching must not allocate; explanations are
/// built only when a verdict needs one.
/// </summary>
internal abstract class KeyMatcher
{
    protected KeyMatcher(string key, IReadOnlyList<string> values)
    {
        Key = key;
        // Built once here, so a mismatch only pays for the event half of its reason.
        Wanted = $"rule wants one of [{string.Join(", ", values)}]";
    }

    /// <summary>The YAML key, as in <see cref="Configuration.MatchSpec.Keys"/>.</summary>
    public string Key { get; }

    /// <summary><c>rule wants one of [a, b]</c>, the values as written.</summary>
    protected string Wanted { get; }

    public abstract bool Matches(in MatchInput input);

    /// <summary>Why the key did not match, e.g. <c>action: event has "login_failed", rule wants one of [login]</c>.</summary>
    public abstract string ExplainMismatch(in MatchInput input);

    /// <summary>What matched, for <c>unless</c> verdicts, e.g. <c>client_ip 10.0.0.15 in 10.0.0.0/8</c>.</summary>
    public abstract string ExplainMatch(in MatchInput input);
}
