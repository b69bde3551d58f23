using Bridge.Configuration;
using Bridge.Events;
using static Bridge.Tests.Rules.TestRules;

namespace Bridge.Tests.Rules;

public sealed class GroupMatchTests
{
    [Theory]
    [InlineData("authentik Admins", "authentik Admins,ops", true)]
    [InlineData("ops", "authentik Admins,ops", true)]
    [InlineData("authentik Admins", "authentik admins", false)]
    [InlineData("authentik Admins", "authentik Administrators", false)]
    [InlineData("authentik Admins,staff", "staff", true)]
    [InlineData("authentik Admins", "", false)]
    public void GroupMatchesAUserGroupExactlyAndCaseSensitively(string values, string groups, bool matches)
    {
        var user = User("bob", "bob@example.com", groups.Length == 0 ? [] : groups.Split(','));

        Assert.Equal(matches, Verdict(new MatchSpec(Group: List(values)), Event(user: user)).Matched);
    }

    [Fact]
    public void ReasonListsTheUsersGroups()
    {
        var verdict = Verdict(new MatchSpec(Group: ["authentik Admins"]), Event(user: User("bob", "bob@example.com", "staff")));

        Assert.Equal("group: user \"bob\" has groups [staff], rule wants one of [authentik Admins]", verdict.Reason);
    }

    [Fact]
    public void ReasonPointsAtACaseOnlyDifference()
    {
        var verdict = Verdict(new MatchSpec(Group: ["authentik Admins"]), Event(user: User("al", null, "authentik admins")));

        Assert.Equal(
            "group: user \"al\" has groups [authentik admins], rule wants one of [authentik Admins] (\"authentik admins\" differs only in case)",
            verdict.Reason);
    }

    [Fact]
    public void EventWithoutGroupsExplainsHowToSendThem()
    {
        var user = new EventUser(null, "alice.admin", "alice.admin@example.com", []);

        var verdict = Verdict(new MatchSpec(Group: ["authentik Admins"]), Event(user: user));

        Assert.Equal(
            "group: the event carries no groups (install the body mapping from samples/authentik/ so Authentik sends them, or give the source an authentik_api to look them up)",
            verdict.Reason);
    }

    [Fact]
    public void SystemEventHasNoUserToBeInAGroup()
    {
        var verdict = Verdict(new MatchSpec(Group: ["authentik Admins"]), Event(user: null));

        Assert.Equal("group: the event has no user, rule wants one of [authentik Admins]", verdict.Reason);
    }
}
