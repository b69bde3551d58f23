using System.Text;
using Bridge.Storage;

namespace Bridge.Tests.Storage;

/// <summary>An event's body, normalised JSON and verdicts packed into one compressed value and back (schema 7).</summary>
public sealed class EventDataPackTests
{
    [Fact]
    public void PackedPartsComeBackByteForByteInLessThanTheBodyAlone()
    {
        var body = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "samples", "payloads", "authentik", "event-login-admin.json"));
        var eventJson = Encoding.UTF8.GetBytes("""{"id":"é1","user":{"username":"alice.admin"}}""");
        const string Verdicts = """[{"rule":"admin-login","matched":true},{"rule":"failed-login","matched":false,"reason":"not tried: ünicode"}]""";

        var packed = EventDataPack.Pack(body, eventJson, Verdicts);
        var (b, j, v) = EventDataPack.Unpack(packed);

        Assert.Equal(body, b);
        Assert.Equal(eventJson, j);
        Assert.Equal(Verdicts, v);
        Assert.True(packed.Length < body.Length, $"packed {packed.Length} bytes of {body.Length + eventJson.Length + Verdicts.Length}");
    }

    [Fact]
    public void EmptyPartsStayEmpty()
    {
        var (b, j, v) = EventDataPack.Unpack(EventDataPack.Pack([], [], ""));

        Assert.Empty(b);
        Assert.Empty(j);
        Assert.Equal("", v);
    }

    [Fact]
    public void AValueInAnotherFormatOrCutShortIsRefusedWithTheReason()
    {
        var packed = EventDataPack.Pack(Encoding.UTF8.GetBytes("{\"a\":1}"), Encoding.UTF8.GetBytes("{}"), "[]");

        Assert.Contains("unknown format", Assert.Throws<StoreUnavailableException>(() => EventDataPack.Unpack(Encoding.UTF8.GetBytes("{\"a\":1}"))).Message, StringComparison.Ordinal);
        Assert.Contains("does not decompress", Assert.Throws<StoreUnavailableException>(() => EventDataPack.Unpack(packed[..15])).Message, StringComparison.Ordinal);
    }
}
