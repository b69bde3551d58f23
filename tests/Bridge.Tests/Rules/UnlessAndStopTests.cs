using Bridge.Configuration;
using Bridge.Rules;
using static Bridge.Tests.Rules.TestRules;

namespace Bridge.Tests.Rules;

public sealed class UnlessAndStopTests
{
    [Fact]
    public void UnlessMatchingRejectsTheEventAndSaysWhy()
    {
        var verdict = Verdict(new MatchSpec(Action: ["model_*"]), Event(action: "model_created", clientIp: "10.0.0.15"),
            unless: new MatchSpec(ClientIp: ["10.0.0.0/8"]));

        Assert.False(verdict.Matched);
        Assert.Equal("unless: matched (client_ip 10.0.0.15 in 10.0.0.0/8)", verdict.Reason);
    }

    [Fact]
    public void UnlessNeedsAllItsKeys()
    {
        var unless = new MatchSpec(Action: ["login"], ClientIp: ["10.0.0.0/8"]);

        Assert.True(Verdict(new MatchSpec(), Event(action: "login", clientIp: "203.0.113.1"), unless).Matched);
        Assert.True(Verdict(new MatchSpec(), Event(action: "logout", clientIp: "10.0.0.1"), unless).Matched);
        Assert.False(Verdict(new MatchSpec(), Event(action: "login", clientIp: "10.0.0.1"), unless).Matched);
    }

    [Fact]
    public void UnlessReasonListsEveryMatchedKey()
    {
        var verdict = Verdict(new MatchSpec(), Event(action: "model_updated", user: User("ci-bot", null, "automation")),
            unless: new MatchSpec(Action: ["model_*"], Group: ["automation"], User: ["ci-*"]));

        Assert.Equal("unless: matched (action \"model_updated\" matches model_*, group \"automation\", user \"ci-bot\")", verdict.Reason);
    }

    [Fact]
    public void FirstFailingKeyInDocumentedOrderIsReported()
    {
        // Both action and client_ip fail; action comes first in MatchSpec.Keys.
        var verdict = Verdict(new MatchSpec(ClientIp: ["10.0.0.0/8"], Action: ["logout"], Severity: ["alert"]),
            Event(action: "login", clientIp: "192.0.2.1", severity: "notice"));

        Assert.StartsWith("action:", verdict.Reason);
    }

    [Fact]
    public void EveryMatchingRuleFiresInFileOrder()
    {
        var set = Compile(
            Rule("all-logins", new MatchSpec(Action: ["login"]), index: 0),
            Rule("logouts", new MatchSpec(Action: ["logout"]), index: 1),
            Rule("everything", new MatchSpec(), index: 2));

        var verdicts = set.Evaluate(Event(action: "login"));

        Assert.Equal(["all-logins", "logouts", "everything"], verdicts.Select(v => v.Rule));
        Assert.Equal([true, false, true], verdicts.Select(v => v.Matched));
    }

    [Fact]
    public void StopRuleThatMatchesLeavesLaterRulesUntried()
    {
        var set = Compile(
            Rule("admins", new MatchSpec(Group: ["authentik Admins"]), stop: true, index: 0),
            Rule("everyone", new MatchSpec(), index: 1),
            Rule("logins", new MatchSpec(Action: ["login"]), index: 2));

        var verdicts = set.Evaluate(Event(user: User("alice.admin", null, "authentik Admins")));

        Assert.Equal(new RuleVerdict("admins", true, null), verdicts[0]);
        Assert.Equal(new RuleVerdict("everyone", false, "not tried: rule 'admins' matched first and has stop: true"), verdicts[1]);
        Assert.Equal(new RuleVerdict("logins", false, "not tried: rule 'admins' matched first and has stop: true"), verdicts[2]);
    }

    [Fact]
    public void StopRuleThatDoesNotMatchLetsLaterRulesRun()
    {
        var set = Compile(
            Rule("admins", new MatchSpec(Group: ["authentik Admins"]), stop: true, index: 0),
            Rule("everyone", new MatchSpec(), index: 1));

        var verdicts = set.Evaluate(Event(user: User("bob", null, "staff")));

        Assert.False(verdicts[0].Matched);
        Assert.True(verdicts[1].Matched);
    }

    [Fact]
    public void StopRuleRejectedByUnlessDoesNotStop()
    {
        var set = Compile(
            Rule("external", new MatchSpec(), unless: new MatchSpec(ClientIp: ["10.0.0.0/8"]), stop: true, index: 0),
            Rule("everyone", new MatchSpec(), index: 1));

        var verdicts = set.Evaluate(Event(clientIp: "10.1.1.1"));

        Assert.StartsWith("unless: matched", verdicts[0].Reason);
        Assert.True(verdicts[1].Matched);
    }

    [Fact]
    public void EmptyRuleSetGivesNoVerdicts()
    {
        Assert.Empty(Compile().Evaluate(Event()));
    }
}
