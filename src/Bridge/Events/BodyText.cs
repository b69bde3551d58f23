using System.Buffers;
using System.Text;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace Bridge.Events;

/// <summary>
/// Checks on a body the JSON parser lets through but the bridge cannot use, each named precisely: text that is not
/// UTF-8, strings with broken <c>\u</c> escapes (reading them would throw later), numbers no 64-bit float can hold.
/// </summary>
internal static class BodyText
{
    /// <summary>The body's encoding: UTF-8 only, as RFC 8259 requires between systems.</summary>
    public static BodyProblem? Check(ReadOnlySpan<byte> body)
    {
        if (body.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || body.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
            || (body.Length >= 2 && (body[0] == 0 || body[1] == 0)))
        {
            return new BodyProblem(400, "Body is not UTF-8", "the body looks like UTF-16 or UTF-32: send JSON as UTF-8");
        }
        if (Utf8.IsValid(body)) return null;
        return new BodyProblem(400, "Body is not UTF-8", $"the body is not valid UTF-8: the byte at offset {FirstInvalid(body)} starts no valid character");
    }

    /// <summary>One pass of the reader over every token; throws <see cref="JsonException"/> for bad syntax, as the parser would.</summary>
    public static BodyProblem? CheckValues(ReadOnlySpan<byte> body, int maxDepth)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = maxDepth });
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String or JsonTokenType.PropertyName when reader.ValueIsEscaped && !Decodes(ref reader):
                    return new BodyProblem(400, "Invalid string in body",
                        $"the {(reader.TokenType == JsonTokenType.String ? "string" : "property name")} at byte {reader.TokenStartIndex} has a \\u escape that is no character (a lone UTF-16 surrogate)");
                case JsonTokenType.Number when !reader.TryGetDouble(out var number) || !double.IsFinite(number):
                    return new BodyProblem(400, "Number out of range",
                        $"the number at byte {reader.TokenStartIndex} is out of range: JSON numbers must fit a 64-bit float (about ±1.8e308)");
            }
        }
        return null;
    }

    /// <summary>
    /// Whether a parsed body has a value <see cref="CheckValues"/> refuses, found by walking the parsed elements instead
    /// of reading the text again; <see cref="CheckValues"/> then names it.
    /// </summary>
    public static bool HasUnusableValue(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    if (JsonMarshal.GetRawUtf8PropertyName(p).Contains((byte)'\\') && !NameDecodes(p)) return true;
                    if (HasUnusableValue(p.Value)) return true;
                }
                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (HasUnusableValue(item)) return true;
                }
                return false;
            case JsonValueKind.String:
                return JsonMarshal.GetRawUtf8Value(element).Contains((byte)'\\') && !Decodes(element);
            case JsonValueKind.Number:
                return !element.TryGetDouble(out var number) || !double.IsFinite(number);
            default:
                return false;
        }
    }

    private static bool NameDecodes(JsonProperty property)
    {
        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool Decodes(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool Decodes(ref Utf8JsonReader reader)
    {
        try
        {
            reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static int FirstInvalid(ReadOnlySpan<byte> body)
    {
        var offset = 0;
        while (offset < body.Length)
        {
            if (Rune.DecodeFromUtf8(body[offset..], out _, out var consumed) != OperationStatus.Done) return offset;
            offset += consumed;
        }
        return offset;
    }
}
