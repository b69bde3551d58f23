namespace Bridge.Rules.KeyMatchers;

/// <summary>Values that are exact strings (a hash set) or globs, compared with one string comparison.</summary>
internal sealed class PatternSet
{
    private readonly HashSet<string> exact;
    private readonly GlobPattern[] globs;
    private readonly StringComparison comparison;

    public PatternSet(IReadOnlyList<string> values, StringComparison comparison)
    {
        this.comparison = comparison;
        exact = new HashSet<string>(StringComparer.FromComparison(comparison));
        var patterns = new List<GlobPattern>();
        foreach (var value in values)
        {
            if (GlobPattern.IsGlob(value))
            {
                var glob = new GlobPattern(value);
                patterns.Add(glob);
                MatchesAll |= glob.MatchesAll;
            }
            else
            {
                exact.Add(value);
            }
        }
        globs = [.. patterns];
    }

    /// <summary>Whether a bare <c>*</c> is among the values.</summary>
    public bool MatchesAll { get; }

    public bool IsMatch(string value) => FindMatch(value) is not null;

    /// <summary>The value as written that matched, or null. Exact values win over globs.</summary>
    public string? FindMatch(string value)
    {
        if (exact.TryGetValue(value, out var hit))
        {
            return hit;
        }
        foreach (var glob in globs)
        {
            if (glob.IsMatch(value, comparison))
            {
                return glob.Text;
            }
        }
        return null;
    }
}
