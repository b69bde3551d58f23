namespace Bridge.Tests.Events;

public sealed class ShapeErrorTests
{
    private const string Expected =
        "not an Authentik body: expected an \"event\" object (full-event body mapping), a \"body\" string (default transport body), an \"action\" string (bare event) or an \"attachments\" list (Slack mode)";

    [Fact]
    public void UnknownObjectListsItsKeys()
    {
        var result = Normalize.Run("""{"type": "push", "ref": "main"}""");

        Assert.Null(result.Event);
        Assert.Equal($"{Expected}; the object has keys [type, ref]", result.Error!.Message);
    }

    [Fact]
    public void EmptyObjectSaysSo()
    {
        Assert.Equal($"{Expected}; the object is empty", Normalize.Run("{}").Error!.Message);
    }

    [Theory]
    [InlineData("""{"event": "login"}""", "\"event\" is a string")]
    [InlineData("""{"event": null}""", "\"event\" is null")]
    [InlineData("""{"body": 42, "severity": "notice"}""", "\"body\" is a number")]
    [InlineData("""{"action": ["login"]}""", "\"action\" is an array")]
    public void KnownKeyOfTheWrongTypeIsNamed(string json, string detail)
    {
        Assert.Equal($"{Expected}; {detail}", Normalize.Run(json).Error!.Message);
    }

    [Fact]
    public void ManyKeysAreCutShort()
    {
        var message = Normalize.Run("""{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1,"k":1,"l":1}""").Error!.Message;

        Assert.EndsWith("[a, b, c, d, e, f, g, h, i, j, …]", message);
    }

    [Fact]
    public void NonObjectBodyIsAnErrorNotAnException()
    {
        var result = Normalize.Run("[1, 2]");

        Assert.Null(result.Event);
        Assert.EndsWith("got an array instead of an object", result.Error!.Message);
    }
}
