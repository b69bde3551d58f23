using Bridge.Configuration;
using static Bridge.Tests.Rules.TestRules;

namespace Bridge.Tests.Rules;

public sealed class WildcardMatchTests
{
    [Theory]
    [InlineData("login", "login", true)]
    [InlineData("login", "login_failed", false)]
    [InlineData("login", "Login", false)]
    [InlineData("login,logout", "logout", true)]
    [InlineData("login,logout", "password_set", false)]
    [InlineData("model_*", "model_created", true)]
    [InlineData("model_*", "model_", true)]
    [InlineData("model_*", "model", false)]
    [InlineData("*_failed", "login_failed", true)]
    [InlineData("*_exception", "policy_exception", true)]
    [InlineData("*_exception", "policy_exception_x", false)]
    [InlineData("system_*_exception", "system_task_exception", true)]
    [InlineData("system_*_exception", "system_exception", false)]
    [InlineData("*task*", "system_task_execution", true)]
    [InlineData("a*b*a", "aba", true)]
    [InlineData("a*b*a", "aab", false)]
    [InlineData("*", "anything_at_all", true)]
    [InlineData("review_*,access_request_*", "access_request_created", true)]
    public void ActionMatchesExactlyOrByGlob(string values, string action, bool matches)
    {
        Assert.Equal(matches, Verdict(new MatchSpec(Action: List(values)), Event(action: action)).Matched);
    }

    [Theory]
    [InlineData("*", true)]
    [InlineData("**", true)]
    [InlineData("login,*", true)]
    [InlineData("login", false)]
    [InlineData("*_failed", false)]
    public void OnlyABareStarMatchesAMissingAction(string values, bool matches)
    {
        Assert.Equal(matches, Verdict(new MatchSpec(Action: List(values)), Event(action: null)).Matched);
    }

    [Theory]
    [InlineData("authentik.events.*", "authentik.events.signals", true)]
    [InlineData("authentik.*", "authentik.core.api.users", true)]
    [InlineData("authentik.events.*", "authentik.core.api.users", false)]
    [InlineData("authentik.events.signals", "authentik.events.signals", true)]
    public void AppMatchesExactlyOrByGlob(string values, string app, bool matches)
    {
        Assert.Equal(matches, Verdict(new MatchSpec(App: List(values)), Event(app: app)).Matched);
    }

    [Theory]
    [InlineData("authentik_core.user", "authentik_core.user", true)]
    [InlineData("authentik_core.*", "authentik_core.application", true)]
    [InlineData("*.user", "authentik_core.user", true)]
    [InlineData("authentik_core.user", "authentik_core.application", false)]
    [InlineData("*", null, true)]
    [InlineData("authentik_core.*", null, false)]
    public void ModelMatchesExactlyOrByGlob(string values, string? model, bool matches)
    {
        Assert.Equal(matches, Verdict(new MatchSpec(Model: List(values)), Event(model: model)).Matched);
    }

    [Fact]
    public void ActionReasonNamesEventActionAndWantedValues()
    {
        var verdict = Verdict(new MatchSpec(Action: ["login"]), Event(action: "login_failed"));

        Assert.Equal("action: event has \"login_failed\", rule wants one of [login]", verdict.Reason);
    }

    [Fact]
    public void MissingActionReasonSaysThereIsNone()
    {
        var verdict = Verdict(new MatchSpec(Action: ["login", "model_*"]), Event(action: null));

        Assert.Equal("action: event has no action, rule wants one of [login, model_*]", verdict.Reason);
    }

    [Fact]
    public void MissingModelReasonSaysThereIsNone()
    {
        var verdict = Verdict(new MatchSpec(Model: ["authentik_core.user"]), Event(model: null));

        Assert.Equal("model: event has no model, rule wants one of [authentik_core.user]", verdict.Reason);
    }

    [Fact]
    public void MatchingVerdictHasNoReason()
    {
        var verdict = Verdict(new MatchSpec(Action: ["model_*"]), Event(action: "model_deleted"));

        Assert.True(verdict.Matched);
        Assert.Null(verdict.Reason);
        Assert.Equal("r", verdict.Rule);
    }

    [Fact]
    public void RuleWithoutKeysMatchesEverything()
    {
        Assert.True(Verdict(new MatchSpec(), Event(action: null, clientIp: null, app: null, severity: null)).Matched);
    }
}
