using System.Text.Json;

namespace Bridge.Events;

/// <summary>
/// Writes a <see cref="BridgeEvent"/> as the JSON object mappings receive as <c>event</c> and <c>bridge try</c> prints.
/// Names are snake_case like Authentik's own; absent values are written as null so mappings can test them.
/// </summary>
public static class EventJson
{
    /// <param name="includeRaw">False leaves out <c>raw</c>, for displays where the payload is already on screen.</param>
    public static byte[] ToUtf8(BridgeEvent e, bool indented = false, bool includeRaw = true) =>
        JsonBytes.Write((e, includeRaw), static (w, s) => Write(w, s.e, s.includeRaw), new JsonWriterOptions { Indented = indented });

    public static void Write(Utf8JsonWriter w, BridgeEvent e, bool includeRaw = true)
    {
        w.WriteStartObject();
        w.WriteString("id", e.Id);
        w.WriteString("source", e.Source);
        w.WriteString("action", e.Action);
        w.WriteString("severity", e.Severity);
        w.WriteString("app", e.App);
        w.WriteString("model", e.Model);
        w.WriteString("client_ip", e.ClientIp);
        WriteUser(w, "user", e.User);
        WriteUser(w, "recipient", e.Recipient);
        w.WritePropertyName("context");
        if (e.Context is { } context) context.WriteTo(w); else w.WriteNullValue();
        w.WriteString("summary", e.Summary);
        w.WriteString("created", e.Created);
        if (includeRaw)
        {
            w.WritePropertyName("raw");
            e.Raw.WriteTo(w);
        }
        w.WriteEndObject();
    }

    private static void WriteUser(Utf8JsonWriter w, string name, EventUser? user)
    {
        w.WritePropertyName(name);
        if (user is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        w.WriteString("pk", user.Pk);
        w.WriteString("username", user.Username);
        w.WriteString("email", user.Email);
        w.WriteStartArray("groups");
        foreach (var g in user.Groups) w.WriteStringValue(g);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
