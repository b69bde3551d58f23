using System.Globalization;
using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;

namespace Bridge.Incidents;

/// <summary>
/// What a mapping sees as <c>ctx.group</c>: which card it makes, and the incident so far (count, first and last time,
/// the distinct values seen, a few sample events), so the card's words stay the mapping's.
/// </summary>
public sealed record GroupView(CardPhase Phase, IncidentState State, GroupConfig Config)
{
    /// <summary>The <c>sequence_id</c> of the card's first message; a mapping that returns several gets <c>-1</c>, <c>-2</c>… on the others.</summary>
    public string SequenceId(int index) => index == 0 ? State.Id : $"{State.Id}-{index}";

    /// <summary>The object, as JSON the sandbox reads like any event JSON.</summary>
    public JsonElement ToJson()
    {
        var bytes = JsonBytes.Write(this, static (w, view) =>
        {
            var s = view.State;
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            w.WriteString("phase", view.Phase switch { CardPhase.Open => "open", CardPhase.Update => "update", _ => "close" });
            w.WriteNumber("card", s.Cards);
            w.WriteNumber("count", s.Count);
            w.WriteString("first", Iso(s.OpenedAt));
            w.WriteString("last", Iso(s.LastAt));
            w.WriteNumber("window_seconds", view.Config.Window.TotalSeconds);
            w.WriteNumber("interval_seconds", view.Config.Interval.TotalSeconds);
            w.WriteStartObject("key");
            for (var i = 0; i < view.Config.By.Count && i < s.Key.Count; i++) w.WriteString(view.Config.By[i], s.Key[i]);
            w.WriteEndObject();
            WriteValues(w, s.Values);
            WriteSamples(w, s.Samples);
            w.WriteEndObject();
        });
        using var doc = JsonDocument.Parse(bytes);
        return doc.RootElement.Clone();
    }

    /// <summary>The distinct values seen, as <c>values</c>: one array per field (a throttle's digest writes them alike).</summary>
    internal static void WriteValues(Utf8JsonWriter w, IReadOnlyList<IncidentValues> values)
    {
        w.WriteStartObject("values");
        foreach (var field in values)
        {
            w.WriteStartArray(field.Field);
            foreach (var value in field.Seen) w.WriteStringValue(value);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>The sample events, as <c>samples</c>.</summary>
    internal static void WriteSamples(Utf8JsonWriter w, IReadOnlyList<IncidentSample> samples)
    {
        w.WriteStartArray("samples");
        foreach (var sample in samples)
        {
            w.WriteStartObject();
            w.WriteString("id", sample.Id);
            w.WriteString("action", sample.Action);
            w.WriteString("user", sample.User);
            w.WriteString("client_ip", sample.ClientIp);
            w.WriteString("summary", sample.Summary);
            w.WriteString("at", Iso(sample.At));
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    // As Date.prototype.toISOString writes it, like ctx.now, so new Date(ctx.group.first) round-trips.
    internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
