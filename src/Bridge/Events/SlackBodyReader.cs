using System.Text.Json;

namespace Bridge.Events;

/// <summary>
/// Reads what a transport in "Webhook (Slack/Discord)" mode sends. That mode ignores both property mappings and
/// posts <c>{username, icon_url, attachments: [{title, color, fields: [{title, value, short}], footer}]}</c>:
/// the title is the event's action (the notification body when there is no event), and the fields are
/// <c>Severity</c>, <c>Dispatched for user</c> (the recipient), <c>Event user</c> (absent for system events)
/// and then the event context's string values, up to 25 fields in all. Nothing else of the event is sent:
/// no id, address, app, model or groups.
/// </summary>
internal static class SlackBodyReader
{
    // Authentik's own English field titles; a server running in another language translates them, and the fields
    // then land in the context like any other value.
    private const string SeverityField = "Severity";
    private const string RecipientField = "Dispatched for user";
    private const string EventUserField = "Event user";

    /// <summary>True when the body has Slack mode's shape: an <c>attachments</c> array whose first item is an object.</summary>
    public static bool Recognises(JsonElement body) =>
        JsonRead.Property(body, "attachments") is { ValueKind: JsonValueKind.Array } list
        && list.GetArrayLength() > 0
        && list[0].ValueKind == JsonValueKind.Object;

    public static BridgeEvent Read(string source, JsonElement body, DateTimeOffset receivedAt)
    {
        var attachment = JsonRead.Property(body, "attachments")[0];
        var title = JsonRead.String(attachment, "title") ?? "";

        string? severity = null;
        EventUser? recipient = null;
        EventUser? user = null;
        var context = new Dictionary<string, string>(StringComparer.Ordinal);
        if (JsonRead.Property(attachment, "fields") is { ValueKind: JsonValueKind.Array } fields)
        {
            foreach (var field in fields.EnumerateArray())
            {
                if (field.ValueKind != JsonValueKind.Object || JsonRead.String(field, "title") is not { } name
                    || JsonRead.String(field, "value") is not { } value)
                {
                    continue;
                }
                switch (name)
                {
                    case SeverityField: severity = NonEmpty(value); break;
                    case RecipientField: recipient = Person(value); break;
                    case EventUserField: user = Person(value); break;
                    default: context.TryAdd(name, value); break;
                }
            }
        }

        var action = Action(title);
        var contextElement = context.Count == 0 ? (JsonElement?)null : ContextObject(context);
        return new BridgeEvent(
            Id: EventIds.New(receivedAt),
            Source: source,
            Action: action,
            Severity: severity,
            App: null,
            Model: null,
            ClientIp: null,
            User: user,
            Recipient: recipient,
            Context: contextElement,
            Summary: EventSummary.Choose(contextElement, action == title ? null : title, action),
            Created: null,
            Raw: body,
            IdIsGenerated: true);
    }

    /// <summary>
    /// The action: the title itself when it is an action name (the event's action), the Test button's action for
    /// its body, or the prefix of Authentik's <c>"action: {repr}"</c> summary; null for any other notification text.
    /// </summary>
    private static string? Action(string title)
    {
        if (IsActionName(title)) return title;
        if (title.StartsWith(DefaultBodyReader.TestBodyPrefix, StringComparison.Ordinal)) return DefaultBodyReader.TestAction;
        return ActionPrefix.TryRead(title, out var prefix) ? prefix : null;
    }

    private static bool IsActionName(string text)
    {
        if (text.Length == 0 || text[0] is < 'a' or > 'z') return false;
        foreach (var c in text)
        {
            if (c is not (>= 'a' and <= 'z' or >= '0' and <= '9' or '_')) return false;
        }
        return true;
    }

    /// <summary>The context values Slack mode carried, as the JSON object mappings read <c>event.context</c> from.</summary>
    private static JsonElement ContextObject(Dictionary<string, string> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in values) writer.WriteString(name, value);
            writer.WriteEndObject();
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>Slack mode writes the user as text (the username); "None" is Python's way of saying there is none.</summary>
    private static EventUser? Person(string value) =>
        NonEmpty(value) is { } name && name != "None" ? new EventUser(null, name, null, []) : null;

    private static string? NonEmpty(string value) => value.Length == 0 ? null : value;
}
