using Bridge.Configuration;
using Bridge.Rules;
using Bridge.Tests.Events;
using static Bridge.Tests.Rules.TestRules;

namespace Bridge.Tests.Rules;

/// <summary>Rules over normalised fixtures: the two stages together, as the pipeline runs them.</summary>
public sealed class FixtureRuleTests
{
    private static readonly RuleSet Rules = Compile(
        Rule("admin-login", new MatchSpec(Action: ["login"], Group: ["authentik Admins"]), index: 0),
        Rule("changes-from-outside", new MatchSpec(Action: ["model_*"]), unless: new MatchSpec(ClientIp: ["10.0.0.0/8"]), index: 1),
        Rule("failed-logins", new MatchSpec(Action: ["login_failed"], Severity: ["warning", "alert"]), index: 2),
        Rule("ipv6-logins", new MatchSpec(Action: ["login"], ClientIp: ["2001:db8::/32"]), index: 3));

    [Fact]
    public void AdminLoginMatchesGroupRule()
    {
        var verdicts = Rules.Evaluate(Normalize.Fixture("event-login-admin.json"));

        Assert.True(verdicts[0].Matched);
        Assert.Equal("client_ip: event has 5.4.12.34, rule wants one of [2001:db8::/32]", verdicts[3].Reason);
    }

    [Fact]
    public void StaffLoginDoesNotMatchGroupRuleAndSaysWhy()
    {
        var verdict = Rules.Evaluate(Normalize.Fixture("event-login-user.json"))[0];

        Assert.Equal("group: user \"bob\" has groups [staff], rule wants one of [authentik Admins]", verdict.Reason);
    }

    [Fact]
    public void DefaultBodyLoginCannotMatchAGroupRule()
    {
        var e = Normalize.Json("""{"body": "login: {}", "severity": "notice", "event_user_username": "alice.admin"}""");

        Assert.StartsWith("group: the event carries no groups", Rules.Evaluate(e)[0].Reason);
    }

    [Fact]
    public void ModelChangeFromTheInternalNetworkIsExcluded()
    {
        var verdict = Rules.Evaluate(Normalize.Fixture("event-model-created.json"))[1];

        Assert.Equal("unless: matched (client_ip 10.0.0.15 in 10.0.0.0/8)", verdict.Reason);
    }

    [Theory]
    [InlineData("default-body-login-failed.json")]
    [InlineData("event-login-failed.json")]
    public void FailedLoginMatchesWhicheverBodyShapeArrives(string fixture)
    {
        Assert.True(Rules.Evaluate(Normalize.Fixture(fixture))[2].Matched);
    }

    [Fact]
    public void Ipv6LoginMatchesIpv6Range()
    {
        Assert.True(Rules.Evaluate(Normalize.Fixture("event-login-ipv6.json"))[3].Matched);
    }

    [Fact]
    public void CompiledRuleAnswersOnItsOwn()
    {
        var rule = Rules.Rules[2];

        Assert.False(rule.Matches(Normalize.Fixture("event-password-set.json"), out var reason));
        Assert.Equal("action: event has \"password_set\", rule wants one of [login_failed]", reason);
    }
}
