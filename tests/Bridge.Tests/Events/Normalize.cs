using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;

namespace Bridge.Tests.Events;

/// <summary>Runs the normaliser on fixtures or inline JSON, with a fixed clock so generated ids are predictable.</summary>
internal static class Normalize
{
    public static readonly DateTimeOffset Now = new(2026, 3, 14, 9, 30, 0, TimeSpan.Zero);

    public static string FixturePath(string name) =>
        Path.Combine(AppContext.BaseDirectory, "samples", "payloads", "authentik", name);

    public static IEnumerable<string> FixtureNames() =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "samples", "payloads", "authentik"), "*.json")
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)!;

    public static BridgeEvent Fixture(string name, string source = "authentik") => Json(File.ReadAllText(FixturePath(name)), source);

    public static BridgeEvent Json(string json, string source = "authentik", SourceFormat format = SourceFormat.Authentik, string? actionPath = null)
    {
        var result = Run(json, source, format, actionPath);
        Assert.Null(result.Error);
        return Assert.IsType<BridgeEvent>(result.Event);
    }

    public static EventNormalization Run(string json, string source = "authentik", SourceFormat format = SourceFormat.Authentik, string? actionPath = null)
    {
        // The document is disposed before the event is returned, as the ingest endpoint does, to prove Raw is detached.
        using var document = JsonDocument.Parse(json);
        return EventNormalizer.Normalize(Source(source, format, actionPath), document.RootElement, Now);
    }

    public static SourceConfig Source(string name, SourceFormat format = SourceFormat.Authentik, string? actionPath = null) =>
        new(name, format, ["token"], AuthNone: false, actionPath, BaseUrl: null);

    /// <summary>A version 7 GUID begins with the Unix time in milliseconds, 48 bits, which is 12 hex digits.</summary>
    public static void AssertGeneratedId(BridgeEvent e)
    {
        Assert.True(e.IdIsGenerated);
        Assert.Matches("^[0-9a-f]{32}$", e.Id);
        Assert.Equal(Now.ToUnixTimeMilliseconds().ToString("x12", System.Globalization.CultureInfo.InvariantCulture), e.Id[..12]);
    }
}
