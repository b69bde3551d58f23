using System.Text.Json;
using Bridge.Configuration;

namespace Bridge.Events;

/// <summary>Reads a <c>format: json</c> body: nothing is mapped except the action, taken from the source's action path.</summary>
internal static class JsonBodyReader
{
    public static BridgeEvent Read(SourceConfig source, JsonElement body, DateTimeOffset receivedAt) => new(
        Id: EventIds.New(receivedAt),
        Source: source.Name,
        Action: ReadPath(body, source.ActionPath),
        Severity: null,
        App: null,
        Model: null,
        ClientIp: null,
        User: null,
        Recipient: null,
        Context: null,
        Summary: null,
        Created: null,
        Raw: body,
        IdIsGenerated: true);

    /// <summary>
    /// Follows a dotted path (<c>event.type</c>) through objects. A string is the value; a number or boolean
    /// gives its raw JSON text; a missing step, an object, an array, null or "" gives null.
    /// </summary>
    internal static string? ReadPath(JsonElement root, string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        // Walks spans so a request costs no string splitting.
        var current = root;
        var rest = path.AsSpan();
        while (true)
        {
            var dot = rest.IndexOf('.');
            var segment = dot < 0 ? rest : rest[..dot];
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return null;
            }
            if (dot < 0)
            {
                break;
            }
            rest = rest[(dot + 1)..];
        }
        return JsonRead.ScalarText(current) is { Length: > 0 } text ? text : null;
    }
}
