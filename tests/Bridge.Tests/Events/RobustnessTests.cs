namespace Bridge.Tests.Events;

public sealed class RobustnessTests
{
    [Theory]
    [InlineData("""{"event": {"pk": 1234, "action": "login"}}""", "1234")]
    [InlineData("""{"event": {"pk": 12.5, "action": "login"}}""", "12.5")]
    [InlineData("""{"event": {"pk": "abc", "action": "login"}}""", "abc")]
    public void NumericPkIsReadAsItsText(string json, string id)
    {
        var e = Normalize.Json(json);

        Assert.Equal(id, e.Id);
        Assert.False(e.IdIsGenerated);
    }

    [Theory]
    [InlineData("""{"event": {"pk": null, "action": "login"}}""")]
    [InlineData("""{"event": {"pk": "", "action": "login"}}""")]
    [InlineData("""{"event": {"pk": {"x": 1}, "action": "login"}}""")]
    [InlineData("""{"event": {"pk": [1], "action": "login"}}""")]
    public void UnusablePkGetsAGeneratedId(string json)
    {
        Normalize.AssertGeneratedId(Normalize.Json(json));
    }

    [Theory]
    [InlineData("""{"event": {"action": "login", "user": "alice"}}""")]
    [InlineData("""{"event": {"action": "login", "user": 7}}""")]
    [InlineData("""{"event": {"action": "login", "user": null}}""")]
    [InlineData("""{"event": {"action": "login", "user": []}}""")]
    [InlineData("""{"event": {"action": "login", "user": {}}}""")]
    [InlineData("""{"event": {"action": "login", "user": {"username": 5, "email": false}}}""")]
    public void UserOfAnUnexpectedTypeIsNull(string json)
    {
        Assert.Null(Normalize.Json(json).User);
    }

    [Fact]
    public void GroupsKeepOnlyWhatReadsAsAName()
    {
        var user = Normalize.Json("""
            {"event": {"action": "login", "user": {"username": "al", "groups": ["ops", 3, null, true, "", {"name": "authentik Admins", "pk": "x"}, {"pk": 1}, ["nested"]]}}}
            """).User!;

        Assert.Equal(["ops", "authentik Admins"], user.Groups);
        Assert.True(user.HasGroups);
    }

    [Theory]
    [InlineData("\"staff\"", true, new[] { "staff" })]
    [InlineData("null", false, new string[0])]
    [InlineData("42", false, new string[0])]
    [InlineData("{\"a\": 1}", false, new string[0])]
    public void GroupsOfOtherTypes(string groups, bool hasGroups, string[] expected)
    {
        var user = Normalize.Json("""{"event": {"action": "login", "user": {"username": "al", "groups": """ + groups + "}}}").User!;

        Assert.Equal(hasGroups, user.HasGroups);
        Assert.Equal(expected, user.Groups);
    }

    [Fact]
    public void FieldsOfWrongTypesAreIgnored()
    {
        var e = Normalize.Json("""
            {"notification": {"severity": 3, "body": ["x"], "user": "ops"},
             "event": {"pk": "p1", "action": "login", "app": 1, "client_ip": 12, "created": false,
                       "context": "not an object"}}
            """);

        Assert.Equal("login", e.Action);
        Assert.Null(e.Severity);
        Assert.Null(e.App);
        Assert.Null(e.ClientIp);
        Assert.Null(e.Created);
        Assert.Null(e.Context);
        Assert.Null(e.Recipient);
        Assert.Equal("login", e.Summary);
    }

    [Fact]
    public void ModelNeedsBothAppAndModelName()
    {
        var e = Normalize.Json("""{"event": {"action": "model_deleted", "context": {"model": {"app": "authentik_core", "model_name": 4}}}}""");

        Assert.Null(e.Model);
    }

    [Fact]
    public void NotificationThatIsNotAnObjectIsIgnored()
    {
        var e = Normalize.Json("""{"notification": "x", "event": {"pk": "p1", "action": "logout"}}""");

        Assert.Equal("logout", e.Action);
        Assert.Null(e.Severity);
    }

    [Fact]
    public void ActionOfAnotherTypeIsNullInAFullEventBody()
    {
        var e = Normalize.Json("""{"event": {"pk": "p1", "action": 5}}""");

        Assert.Null(e.Action);
        Assert.Null(e.Summary);
    }
}
