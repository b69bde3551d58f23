using Bridge.Configuration;
using Bridge.Rules;
using static Bridge.Tests.Rules.TestRules;

namespace Bridge.Tests.Rules;

public sealed class CompileErrorTests
{
    [Fact]
    public void EveryErrorIsReportedWithItsPath()
    {
        var errors = Errors(
            Rule("ok", new MatchSpec(Action: ["login"]), index: 0),
            Rule("bad-ip", new MatchSpec(ClientIp: ["10.0.0.0/8", "10.0.0.300/8"]), index: 1),
            Rule("bad-many", new MatchSpec(Action: [""], Severity: ["critical"], ClientIp: ["10.0.0.300/8"]),
                unless: new MatchSpec(Group: []), index: 2));

        Assert.Equal(
        [
            "rules[1].match.client_ip[1]: \"10.0.0.300/8\" is not an IP address or CIDR range",
            "rules[2].match.action: empty value",
            "rules[2].match.client_ip: \"10.0.0.300/8\" is not an IP address or CIDR range",
            "rules[2].match.severity: \"critical\" is not a severity; use notice, warning or alert",
            "rules[2].unless.group: empty list: give at least one value or remove the key",
        ], errors);
    }

    [Theory]
    [InlineData("10.0.0.300/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10")]
    [InlineData("10/8")]
    [InlineData("1.2.3")]
    [InlineData("0x0A.0.0.1")]
    [InlineData("example.com")]
    [InlineData(" 10.0.0.1")]
    [InlineData("10.0.0.0/")]
    public void MalformedClientIpIsAnError(string value)
    {
        var errors = Errors(Rule("r", new MatchSpec(ClientIp: [value]), index: 3));

        Assert.Equal([$"rules[3].match.client_ip: \"{value}\" is not an IP address or CIDR range"], errors);
    }

    [Theory]
    [InlineData("source")]
    [InlineData("action")]
    [InlineData("group")]
    [InlineData("user")]
    [InlineData("client_ip")]
    [InlineData("app")]
    [InlineData("model")]
    [InlineData("severity")]
    public void EmptyValueAndEmptyListAreErrorsForEveryKey(string key)
    {
        Assert.Equal([$"rules[0].match.{key}: empty value"], Errors(Rule("r", Spec(key, [""]))));
        Assert.Equal([$"rules[0].unless.{key}[1]: empty value"], Errors(Rule("r", new MatchSpec(), unless: Spec(key, ["x", " "]))));
        Assert.Equal([$"rules[0].match.{key}: empty list: give at least one value or remove the key"], Errors(Rule("r", Spec(key, []))));
    }

    [Fact]
    public void SeverityErrorNamesTheAllowedValues()
    {
        var errors = Errors(Rule("r", new MatchSpec(Severity: ["alert", "critical"])));

        Assert.Equal(["rules[0].match.severity[1]: \"critical\" is not a severity; use notice, warning or alert"], errors);
    }

    [Fact]
    public void UnlessWithoutKeysIsAnError()
    {
        var errors = Errors(Rule("r", new MatchSpec(Action: ["login"]), unless: new MatchSpec(), index: 4));

        Assert.Equal(["rules[4].unless: has no keys, so it would exclude every event; give keys or remove it"], errors);
    }

    [Fact]
    public void OnlyValidRulesAreKept()
    {
        var errors = new List<ConfigError>();
        var set = RuleSet.Compile([Rule("good", new MatchSpec()), Rule("bad", new MatchSpec(Action: [""]), index: 1)], errors);

        Assert.Single(errors);
        Assert.Equal("good", Assert.Single(set.Rules).Name);
    }

    [Fact]
    public void ErrorsAreAppendedToThoseAlreadyCollected()
    {
        var errors = new List<ConfigError> { new("destinations.ntfy.url", "not a URL") };

        RuleSet.Compile([Rule("good", new MatchSpec()), Rule("bad", new MatchSpec(Severity: ["high"]), index: 1)], errors);

        Assert.Equal(2, errors.Count);
        Assert.Equal("rules[1].match.severity", errors[1].Path);
    }

    [Fact]
    public void RuleMadeWithoutTheCompilerThrowsWhenInvalid()
    {
        var rule = new CompiledRule { Config = Rule("r", new MatchSpec(ClientIp: ["nope"])) };

        Assert.Throws<InvalidOperationException>(() => rule.Matches(Event(), out _));
    }

    private static MatchSpec Spec(string key, string[] values) => key switch
    {
        "source" => new MatchSpec(Source: values),
        "action" => new MatchSpec(Action: values),
        "group" => new MatchSpec(Group: values),
        "user" => new MatchSpec(User: values),
        "client_ip" => new MatchSpec(ClientIp: values),
        "app" => new MatchSpec(App: values),
        "model" => new MatchSpec(Model: values),
        "severity" => new MatchSpec(Severity: values),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };
}
