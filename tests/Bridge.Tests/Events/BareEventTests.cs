namespace Bridge.Tests.Events;

public sealed class BareEventTests
{
    [Fact]
    public void BareEventIsReadLikeTheEventPart()
    {
        var e = Normalize.Fixture("bare-event-secret-view.json");

        Assert.Equal("e2f3a4b5c6d74e8f9a0b1c2d3e4f5a6b", e.Id);
        Assert.False(e.IdIsGenerated);
        Assert.Equal("secret_view", e.Action);
        Assert.Equal("authentik.core.api.tokens", e.App);
        Assert.Equal("alice.admin", e.User!.Username);
        Assert.Null(e.Severity);
        Assert.Null(e.Recipient);
        Assert.Equal("secret_view", e.Summary);
    }

    [Fact]
    public void BareEventUnknownAddressBecomesNull()
    {
        Assert.Null(Normalize.Fixture("bare-event-secret-view.json").ClientIp);
    }
}
