using System.Text.Json;

namespace Bridge.Events;

/// <summary>
/// Reads the body a webhook transport sends without a mapping:
/// <c>{body, severity, user_email, user_username, event_user_email, event_user_username}</c>.
/// It has no event id, IP, app or context; only what can be read safely is filled in.
/// </summary>
internal static class DefaultBodyReader
{
    /// <summary>What the transport's Test button sends, followed by the transport name.</summary>
    public const string TestBodyPrefix = "Test Notification from transport ";

    /// <summary>The action Authentik gives the Test button's event.</summary>
    public const string TestAction = "custom_notification_test";

    public static BridgeEvent Read(string source, JsonElement body, DateTimeOffset receivedAt)
    {
        var text = JsonRead.String(body, "body") ?? "";
        string? action = null;
        if (ActionPrefix.TryRead(text, out var prefix))
        {
            action = prefix;
        }
        else if (text.StartsWith(TestBodyPrefix, StringComparison.Ordinal))
        {
            action = TestAction;
        }

        return new BridgeEvent(
            Id: EventIds.New(receivedAt),
            Source: source,
            Action: action,
            Severity: JsonRead.NonEmptyString(body, "severity"),
            App: null,
            Model: null,
            ClientIp: null,
            // event_user_* is the person; absent for system events and before Authentik 2023.5.
            User: EventFields.FlatUser(body, "event_user_username", "event_user_email"),
            // user_* is who the notification is for, not who caused the event.
            Recipient: EventFields.FlatUser(body, "user_username", "user_email"),
            Context: null,
            Summary: EventSummary.Choose(null, text, action),
            Created: null,
            Raw: body,
            IdIsGenerated: true);
    }
}
