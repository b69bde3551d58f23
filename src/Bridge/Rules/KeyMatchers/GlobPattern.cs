namespace Bridge.Rules.KeyMatchers;

/// <summary>
/// A pattern where <c>*</c> stands for any run of characters (<c>model_*</c>, <c>authentik.*</c>).
/// Split into literal parts once at compile time; matching is a few span comparisons, no regex and no allocation.
/// </summary>
internal sealed class GlobPattern
{
    private readonly string[] parts;

    public GlobPattern(string pattern)
    {
        Text = pattern;
        parts = pattern.Split('*');
        MatchesAll = pattern.AsSpan().IndexOfAnyExcept('*') < 0;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>True for <c>*</c> (or <c>**</c>…): matches any value, and the only pattern that matches a missing one.</summary>
    public bool MatchesAll { get; }

    public static bool IsGlob(string value) => value.Contains('*', StringComparison.Ordinal);

    public bool IsMatch(string value, StringComparison comparison)
    {
        // parts has at least two entries because the pattern contains a '*': a prefix and a suffix, maybe empty.
        var first = parts[0];
        var last = parts[^1];
        if (value.Length < first.Length + last.Length
            || !value.StartsWith(first, comparison)
            || !value.EndsWith(last, comparison))
        {
            return false;
        }

        // Middle parts must appear in order between prefix and suffix; leftmost placement is always safe for '*'.
        var rest = value.AsSpan(first.Length, value.Length - first.Length - last.Length);
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var at = rest.IndexOf(parts[i], comparison);
            if (at < 0)
            {
                return false;
            }
            rest = rest[(at + parts[i].Length)..];
        }
        return true;
    }
}
