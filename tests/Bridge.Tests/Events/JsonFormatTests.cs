using Bridge.Configuration;

namespace Bridge.Tests.Events;

public sealed class JsonFormatTests
{
    private const string Body = """
        {"event": {"type": "deploy.finished", "attempt": 3, "ok": true, "tags": ["a"], "meta": {"x": 1}, "none": null, "empty": ""},
         "action": "top", "body": "ignored", "user": {"username": "alice"}}
        """;

    [Theory]
    [InlineData("event.type", "deploy.finished")]
    [InlineData("action", "top")]
    [InlineData("event.attempt", "3")]
    [InlineData("event.ok", "true")]
    [InlineData("event.tags", null)]
    [InlineData("event.meta", null)]
    [InlineData("event.none", null)]
    [InlineData("event.empty", null)]
    [InlineData("event.missing", null)]
    [InlineData("event.type.deeper", null)]
    [InlineData("nothing.here", null)]
    [InlineData("event.", null)]
    [InlineData(null, null)]
    public void ActionComesFromTheActionPath(string? path, string? action)
    {
        var e = Normalize.Json(Body, "deploys", SourceFormat.Json, path);

        Assert.Equal(action, e.Action);
    }

    [Fact]
    public void NothingElseIsMapped()
    {
        var e = Normalize.Json(Body, "deploys", SourceFormat.Json, "event.type");

        Assert.Equal("deploys", e.Source);
        Assert.Null(e.User);
        Assert.Null(e.Recipient);
        Assert.Null(e.Severity);
        Assert.Null(e.Summary);
        Assert.Null(e.Context);
        Assert.Null(e.ClientIp);
        Assert.Equal("alice", e.Raw.GetProperty("user").GetProperty("username").GetString());
        Normalize.AssertGeneratedId(e);
    }

    [Fact]
    public void AnyObjectIsAccepted()
    {
        var e = Normalize.Json("""{"anything": 1}""", "misc", SourceFormat.Json, "action");

        Assert.Null(e.Action);
    }
}
