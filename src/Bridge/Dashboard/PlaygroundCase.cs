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

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

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
            if (trial.Source.BaseUrl is { } baseUrl) y.Append("ctx: { base_url: ").Append(Quote(baseUrl)).Append(" }\n");
        }
        y.Append("now: ").Append(Quote(trial.Context.Now!.Value.ToString("O", CultureInfo.InvariantCulture))).Append('\n');
        y.Append("cases:\n");
        y.Append("  - name: ").Append(Quote($"{trial.Event.Action ?? "event"} from {trial.Event.Source}")).Append('\n');
        y.Append("    payload: ").Append(Block(JsonSerializer.Serialize(JsonDocument.Parse(trial.Body).RootElement, Json))).Append('\n');
        if (errors.Count > 0) y.Append("    error: ").Append(Quote(errors[0].Message)).Append('\n');
        else if (dropped) y.Append("    dropped: true\n");
        else
        {
            var expected = messages.Count == 1 ? JsonSerializer.Serialize(messages[0], Json) : JsonSerializer.Serialize(messages, Json);
            y.Append("    expect: ").Append(Block(expected)).Append('\n');
        }
        return y.ToString();
    }

    /// <summary>A JSON text as a YAML flow value under a case key: every line after the first indented past the key.</summary>
    private static string Block(string json) => json.Replace("\n", "\n      ", StringComparison.Ordinal);

    /// <summary>A YAML double-quoted scalar; JSON's string escapes are valid in one.</summary>
    private static string Quote(string text) => JsonSerializer.Serialize(text, Json);
}
