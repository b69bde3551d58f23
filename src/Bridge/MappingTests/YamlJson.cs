using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bridge.MappingTests;

/// <summary>
/// Reads a YAML node as the JSON it stands for, with YAML's core-schema types: a plain <c>4</c> is a number,
/// <c>true</c> a boolean, <c>null</c>/<c>~</c> null, and anything quoted a string. Payloads and expectations in
/// test files are JSON written as YAML, so <c>priority: 4</c> compares equal to ntfy's integer 4.
/// </summary>
internal static class YamlJson
{
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => Object(map),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonObject Object(YamlMappingNode map)
    {
        var o = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            // A repeated key keeps the last value, as YAML parsers that allow it do.
            o[key is YamlScalarNode name ? name.Value ?? "" : key.ToString()] = ToJson(value);
        }
        return o;
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain) return JsonValue.Create(text);
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole)) return JsonValue.Create(whole);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real) && LooksNumeric(text))
            return JsonValue.Create(real);
        return JsonValue.Create(text);
    }

    // double.TryParse takes "1e5" and "-2.5" but also "Infinity"; YAML numbers start with a digit, a sign or a dot.
    private static bool LooksNumeric(string text) => text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.');
}
