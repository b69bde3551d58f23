using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Bridge.MappingTests;

/// <summary>
/// Compares expected fields with an actual ntfy message as a subset: fields the test does not name are not checked,
/// a field expected as <c>null</c> must be absent, arrays must match item by item. A string may instead be checked
/// with <c>{ contains: "..." }</c> or <c>{ matches: "regex" }</c>, so a long message need not be copied whole.
/// </summary>
public static class MessageExpectation
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Names ntfy gives its priorities, accepted in expectations as in mappings.
    private static readonly Dictionary<string, int> Priorities = new(StringComparer.OrdinalIgnoreCase)
    {
        ["min"] = 1, ["low"] = 2, ["default"] = 3, ["high"] = 4, ["max"] = 5, ["urgent"] = 5,
    };

    /// <summary>Every difference between <paramref name="expected"/> and <paramref name="actual"/>; empty when they agree.</summary>
    public static List<Mismatch> Compare(JsonNode? expected, JsonNode? actual, string path = "")
    {
        var found = new List<Mismatch>();
        Walk(expected, actual, path, found);
        return found;
    }

    /// <summary>A JSON value on one line, as a reader would write it.</summary>
    public static string Show(JsonNode? node) => node is null ? "null" : node.ToJsonString(Compact);

    private static void Walk(JsonNode? expected, JsonNode? actual, string path, List<Mismatch> found)
    {
        switch (expected)
        {
            case JsonObject matcher when IsStringMatcher(matcher):
                MatchString(matcher, actual, path, found);
                break;
            case JsonObject fields:
                if (actual is not JsonObject actualFields)
                {
                    found.Add(new(path, $"an object with {Show(fields)}", Show(actual)));
                    return;
                }
                foreach (var (key, value) in fields)
                {
                    var child = path.Length == 0 ? key : $"{path}.{key}";
                    var present = actualFields.TryGetPropertyValue(key, out var actualValue) && actualValue is not null;
                    if (value is null)
                    {
                        if (present) found.Add(new(child, "no value (the test says null)", Show(actualValue)));
                    }
                    else if (!present)
                    {
                        found.Add(new(child, Show(value), "not set"));
                    }
                    else
                    {
                        Walk(value, actualValue, child, found);
                    }
                }
                break;
            case JsonArray items:
                if (actual is not JsonArray actualItems)
                {
                    found.Add(new(path, Show(items), actual is null ? "not set" : Show(actual)));
                    return;
                }
                if (items.Count != actualItems.Count)
                {
                    found.Add(new(path, $"{items.Count} item{(items.Count == 1 ? "" : "s")}: {Show(items)}", Show(actualItems)));
                    return;
                }
                for (var i = 0; i < items.Count; i++) Walk(items[i], actualItems[i], $"{path}[{i}]", found);
                break;
            default:
                if (!SameScalar(expected, actual, path)) found.Add(new(path, Show(expected), Show(actual)));
                break;
        }
    }

    private static bool IsStringMatcher(JsonObject o) =>
        o.Count == 1 && (o.ContainsKey("contains") || o.ContainsKey("matches")) && o.First().Value is JsonValue v && v.GetValueKind() == JsonValueKind.String;

    private static void MatchString(JsonObject matcher, JsonNode? actual, string path, List<Mismatch> found)
    {
        var (how, value) = matcher.First();
        var wanted = value!.GetValue<string>();
        if (actual is not JsonValue a || a.GetValueKind() != JsonValueKind.String)
        {
            found.Add(new(path, $"a text that {how} {Show(value)}", actual is null ? "not set" : Show(actual)));
            return;
        }
        var text = a.GetValue<string>();
        bool ok;
        if (how == "contains")
        {
            ok = text.Contains(wanted, StringComparison.Ordinal);
        }
        else
        {
            try
            {
                ok = Regex.IsMatch(text, wanted, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                found.Add(new(path, $"matches {Show(value)}, which is not a valid regular expression: {e.Message}", null));
                return;
            }
        }
        if (!ok) found.Add(new(path, $"a text that {(how == "contains" ? "contains" : "matches")} {Show(value)}", Show(actual)));
    }

    private static bool SameScalar(JsonNode? expected, JsonNode? actual, string path)
    {
        if (expected is null || actual is null) return expected is null && actual is null;
        if (expected is not JsonValue e || actual is not JsonValue a) return false;
        var (ek, ak) = (e.GetValueKind(), a.GetValueKind());
        // "priority: high" in a test means 4, as it does in a mapping.
        if (ek == JsonValueKind.String && ak == JsonValueKind.Number && path.EndsWith("priority", StringComparison.Ordinal)
            && Priorities.TryGetValue(e.GetValue<string>(), out var named))
            return Number(a) == named;
        if (ek != ak) return false;
        return ek switch
        {
            JsonValueKind.Number => Number(e) == Number(a),
            JsonValueKind.String => e.GetValue<string>() == a.GetValue<string>(),
            _ => true,
        };
    }

    // Values parsed from YAML hold a long, values from the message a JsonElement: compare what they print as.
    private static double Number(JsonValue v) => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture);
}
