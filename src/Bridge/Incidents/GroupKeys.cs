using System.Globalization;
using System.Text.Json;
using Bridge.Events;

namespace Bridge.Incidents;

/// <summary>
/// The event fields a rule's <c>group.by</c> may name, and how each is read from an event. The names are the paths of
/// the <c>event</c> a mapping gets, so what a person writes in <c>by</c> is what they see in the mapping.
/// </summary>
public static class GroupKeys
{
    /// <summary>The fixed fields; besides them, <c>context.&lt;field&gt;</c> (dotted for nested objects) reads the event's context.</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["source", "action", "severity", "app", "model", "client_ip", "user.username", "user.email", "user.pk"];

    private const string ContextPrefix = "context.";

    /// <summary>Whether <paramref name="path"/> names a field a group can be made by.</summary>
    public static bool IsKnown(string path)
    {
        if (Fields.Contains(path)) return true;
        if (!path.StartsWith(ContextPrefix, StringComparison.Ordinal)) return false;
        foreach (var part in path[ContextPrefix.Length..].Split('.'))
        {
            if (part.Length == 0) return false;
        }
        return true;
    }

    /// <summary>The field's value as text; null when the event has none (such events form a group of their own).</summary>
    public static string? Value(BridgeEvent e, string path) => path switch
    {
        "source" => e.Source,
        "action" => e.Action,
        "severity" => e.Severity,
        "app" => e.App,
        "model" => e.Model,
        "client_ip" => e.ClientIp,
        "user.username" => e.User?.Username,
        "user.email" => e.User?.Email,
        "user.pk" => e.User?.Pk,
        _ => e.Context is { } context ? ContextValue(context, path.AsSpan(ContextPrefix.Length)) : null,
    };

    private static string? ContextValue(JsonElement element, ReadOnlySpan<char> path)
    {
        foreach (var range in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(path[range], out element)) return null;
        }
        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            JsonValueKind.True or JsonValueKind.False => element.GetBoolean().ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
            _ => null,
        };
    }
}
