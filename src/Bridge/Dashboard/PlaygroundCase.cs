using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Bridge.Configuration;
using Bridge.Mappings;

namespace Bridge.Dashboard;

/// <summary>
/// A playground run written as a <c>bridge test</c> case file: the payload, and what the mapping made of it as the
/// expectation. Payloads and expectations are written as JSON, which is YAML too, so nothing is lost in the writing.
/// </summary>
public static class PlaygroundCase
{
    /// <summary>The rule and destination names a mapping-only case runs under, as <c>bridge test</c> uses them.</summary>
    public const string TestDefaults = "test";

    // Written with a writer rather than the serializer: no reflection, so a Native AOT build makes the same text.
    private static readonly JsonWriterOptions Json = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Yaml(Trial trial, bool edited, IReadOnlyList<JsonElement> messages, bool dropped, IReadOnlyList<PlaygroundError> errors)
    {
        var y = new StringBuilder();
        y.Append("# A bridge test case made in the dashboard's playground. Put it in mappings/tests/ and run: bridge test\n");
        if (edited) y.Append("# It expects what the mapping did as edited in the playground: save the edited script as ").Append(trial.MappingName).Append(" too.\n");
        if (trial.Rule is not null) y.Append("rule: ").Append(Quote(trial.Rule.Name)).Append('\n');
        else
        {
            y.Append("mapping: ").Append(Quote(trial.MappingName)).Append('\n');
            if (trial.Source.Format == SourceFormat.Json) y.Append("format: json\n");
            if (trial.Source.ActionPath is { } actionPath) y.Append("action_field: ").Append(Quote(actionPath)).Append('\n');
            var ctx = new List<string>();
            if (trial.Context.BaseUrl is { } baseUrl) ctx.Add("base_url: " + Quote(baseUrl));
            if (trial.Context.PublicUrl is { } publicUrl) ctx.Add("public_url: " + Quote(publicUrl));
            if (ctx.Count > 0) y.Append("ctx: { ").Append(string.Join(", ", ctx)).Append(" }\n");
        }
        y.Append("now: ").Append(Quote(trial.Context.Now!.Value.ToString("O", CultureInfo.InvariantCulture))).Append('\n');
        y.Append("cases:\n");
        y.Append("  - name: ").Append(Quote($"{trial.Event.Action ?? "event"} from {trial.Event.Source}")).Append('\n');
        if (trial.Context.Throttle is not null) y.Append("    digest: true\n");
        y.Append("    payload: ").Append(Block(Write(JsonDocument.Parse(trial.Body).RootElement.WriteTo))).Append('\n');
        if (errors.Count > 0) y.Append("    error: ").Append(Quote(errors[0].Message)).Append('\n');
        else if (dropped) y.Append("    dropped: true\n");
        else
        {
            var expected = messages.Count == 1 ? Write(messages[0].WriteTo) : Write(w =>
            {
                w.WriteStartArray();
                foreach (var m in messages) m.WriteTo(w);
                w.WriteEndArray();
            });
            y.Append("    expect: ").Append(Block(expected)).Append('\n');
        }
        return y.ToString();
    }

    /// <summary>A JSON text as a YAML flow value under a case key: every line after the first indented past the key.</summary>
    private static string Block(string json) => json.Replace("\n", "\n      ", StringComparison.Ordinal);

    /// <summary>A YAML double-quoted scalar; JSON's string escapes are valid in one.</summary>
    private static string Quote(string text) => Write(w => w.WriteStringValue(text));

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Json)) write(writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
