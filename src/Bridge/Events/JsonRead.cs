using System.Text.Json;

namespace Bridge.Events;

/// <summary>
/// Type-tolerant reads: senders write bodies by hand-made mappings, so a field of an unexpected JSON type
/// is treated as absent instead of throwing.
/// </summary>
internal static class JsonRead
{
    /// <summary>The property when <paramref name="obj"/> is an object that has it; otherwise undefined.</summary>
    public static JsonElement Property(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) ? value : default;

    /// <summary>The object-valued property, or null when absent or not an object.</summary>
    public static JsonElement? Object(JsonElement obj, string name)
    {
        var value = Property(obj, name);
        return value.ValueKind == JsonValueKind.Object ? value : null;
    }

    /// <summary>The string-valued property, or null when absent or of another type.</summary>
    public static string? String(JsonElement obj, string name)
    {
        var value = Property(obj, name);
        return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>A non-empty string, or null. For fields where "" carries no information (messages, ids).</summary>
    public static string? NonEmptyString(JsonElement obj, string name) =>
        String(obj, name) is { Length: > 0 } s ? s : null;

    /// <summary>
    /// An identifier: a string as is, a number as its raw JSON text (Authentik user pks are integers,
    /// event pks are strings); anything else is null.
    /// </summary>
    public static string? Id(JsonElement obj, string name)
    {
        var value = Property(obj, name);
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() is { Length: > 0 } s ? s : null,
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>A scalar as text: strings as is, numbers and booleans as their raw JSON; objects, arrays and null give null.</summary>
    public static string? ScalarText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => null,
    };
}
