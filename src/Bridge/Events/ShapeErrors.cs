using System.Text;
using System.Text.Json;

namespace Bridge.Events;

/// <summary>Messages for bodies that are none of Authentik's shapes; they say what was expected and what came.</summary>
internal static class ShapeErrors
{
    private const string Expected =
        "not an Authentik body: expected an \"event\" object (full-event body mapping), " +
        "a \"body\" string (default transport body), an \"action\" string (bare event) " +
        "or an \"attachments\" list (Slack mode)";

    // Enough keys to recognise what was sent without echoing a huge body into logs.
    private const int MaxKeysShown = 10;

    public static string NotAnObject(JsonElement body) => $"{Expected}; got {Describe(body.ValueKind)} instead of an object";

    public static string UnknownShape(JsonElement body)
    {
        foreach (var name in (ReadOnlySpan<string>)["event", "body", "action"])
        {
            if (body.TryGetProperty(name, out var value))
            {
                return $"{Expected}; \"{name}\" is {Describe(value.ValueKind)}";
            }
        }

        var keys = new StringBuilder();
        var count = 0;
        foreach (var property in body.EnumerateObject())
        {
            if (count == MaxKeysShown)
            {
                keys.Append(", …");
                break;
            }
            if (count > 0) keys.Append(", ");
            keys.Append(property.Name);
            count++;
        }
        return count == 0 ? $"{Expected}; the object is empty" : $"{Expected}; the object has keys [{keys}]";
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "missing",
    };
}
