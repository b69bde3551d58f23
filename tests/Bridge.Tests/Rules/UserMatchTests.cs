using Bridge.Configuration;
using Bridge.Events;
using static Bridge.Tests.Rules.TestRules;

namespace Bridge.Tests.Rules;

public sealed class UserMatchTests
{
    [Theory]
    [InlineData("alice.admin", "alice.admin", "alice@example.com", true)]
    [InlineData("Alice.Admin", "alice.admin", "alice@example.com", false)]
    [InlineData("alice@example.com", "alice.admin", "alice@example.com", true)]
    [InlineData("ALICE@Example.com", "alice.admin", "alice@example.com", true)]
    [InlineData("*@example.com", "alice.admin", "Alice@EXAMPLE.com", true)]
    [InlineData("*@example.org", "alice.admin", "alice@example.com", false)]
    [InlineData("svc-*", "svc-backup", null, true)]
    [InlineData("svc-*", "alice.admin", null, false)]
    [InlineData("bob,alice.admin", "alice.admin", null, true)]
    [InlineData("*", "alice.admin", null, true)]
    public void UserMatchesUsernameOrEmail(string values, string username, string? email, bool matches)
    {
        var user = new EventUser("7", username, email, []);

        Assert.Equal(matches, Verdict(new MatchSpec(User: List(values)), Event(user: user)).Matched);
    }

    [Fact]
    public void EvenAStarNeedsAUser()
    {
        var verdict = Verdict(new MatchSpec(User: ["*"]), Event(user: null));

        Assert.False(verdict.Matched);
        Assert.Equal("user: the event has no user, rule wants one of [*]", verdict.Reason);
    }

    [Fact]
    public void ReasonNamesUsernameAndEmail()
    {
        var verdict = Verdict(new MatchSpec(User: ["alice.admin"]), Event(user: User("bob", "bob@example.com")));

        Assert.Equal("user: event has \"bob\" <bob@example.com>, rule wants one of [alice.admin]", verdict.Reason);
    }
}
