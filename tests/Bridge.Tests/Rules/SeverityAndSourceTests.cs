using Bridge.Configuration;
using static Bridge.Tests.Rules.TestRules;

namespace Bridge.Tests.Rules;

public sealed class SeverityAndSourceTests
{
    [Theory]
    [InlineData("alert", "alert", true)]
    [InlineData("Alert", "alert", true)]
    [InlineData("alert", "ALERT", true)]
    [InlineData("warning,alert", "warning", true)]
    [InlineData("alert", "notice", false)]
    [InlineData("alert", null, false)]
    public void SeverityMatchesCaseInsensitively(string values, string? severity, bool matches)
    {
        Assert.Equal(matches, Verdict(new MatchSpec(Severity: List(values)), Event(severity: severity)).Matched);
    }

    [Fact]
    public void SeverityReasonNamesBoth()
    {
        var verdict = Verdict(new MatchSpec(Severity: ["alert"]), Event(severity: "notice"));

        Assert.Equal("severity: event has \"notice\", rule wants one of [alert]", verdict.Reason);
    }

    [Theory]
    [InlineData("authentik", "authentik", true)]
    [InlineData("authentik,staging", "staging", true)]
    [InlineData("authentik", "Authentik", false)]
    [InlineData("authentik", "github", false)]
    public void SourceMatchesTheSourceNameExactly(string values, string source, bool matches)
    {
        Assert.Equal(matches, Verdict(new MatchSpec(Source: List(values)), Event(source: source)).Matched);
    }

    [Fact]
    public void SourceReasonNamesBoth()
    {
        var verdict = Verdict(new MatchSpec(Source: ["authentik"]), Event(source: "github"));

        Assert.Equal("source: event has \"github\", rule wants one of [authentik]", verdict.Reason);
    }
}
