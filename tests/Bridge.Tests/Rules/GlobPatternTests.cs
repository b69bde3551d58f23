using Bridge.Rules.KeyMatchers;

namespace Bridge.Tests.Rules;

public sealed class GlobPatternTests
{
    [Theory]
    [InlineData("a*", "a", true)]
    [InlineData("*a", "a", true)]
    [InlineData("a*a", "a", false)]
    [InlineData("a*a", "aa", true)]
    [InlineData("*ab*ab*", "xabyab", true)]
    [InlineData("*ab*ab*", "xaby", false)]
    [InlineData("a**b", "ab", true)]
    [InlineData("*.*", "authentik_core.user", true)]
    [InlineData("*.*", "nodot", false)]
    public void GlobStarMatchesAnyRun(string pattern, string value, bool matches)
    {
        Assert.Equal(matches, new GlobPattern(pattern).IsMatch(value, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("*", true)]
    [InlineData("***", true)]
    [InlineData("a*", false)]
    public void OnlyStarsMatchAll(string pattern, bool matchesAll)
    {
        Assert.Equal(matchesAll, new GlobPattern(pattern).MatchesAll);
    }
}
