using System.Text.Json;

namespace Bridge.Events;

/// <summary>Reads an Authentik event object (<c>notification.event</c>), with its notification when the body has one.</summary>
internal static class FullEventReader
{
    /// <param name="raw">The whole body, kept as <see cref="BridgeEvent.Raw"/>.</param>
    /// <param name="ev">The event object: <c>body.event</c>, or the body itself for a bare event.</param>
    /// <param name="notification">The notification object, when the body has one.</param>
    public static BridgeEvent Read(string source, JsonElement raw, JsonElement ev, JsonElement? notification, DateTimeOffset receivedAt)
    {
        var pk = JsonRead.Id(ev, "pk");
        var action = JsonRead.NonEmptyString(ev, "action");
        var context = JsonRead.Object(ev, "context");
        var notice = notification ?? default;

        return new BridgeEvent(
            Id: pk ?? EventIds.New(receivedAt),
            Source: source,
            Action: action,
            Severity: JsonRead.NonEmptyString(notice, "severity"),
            App: JsonRead.NonEmptyString(ev, "app"),
            Model: EventFields.Model(context),
            ClientIp: EventFields.ClientIp(JsonRead.String(ev, "client_ip")),
            User: EventFields.User(JsonRead.Object(ev, "user")),
            Recipient: EventFields.User(JsonRead.Object(notice, "user")),
            Context: context,
            Summary: EventSummary.Choose(context, JsonRead.String(notice, "body"), action),
            Created: JsonRead.NonEmptyString(ev, "created"),
            Raw: raw,
            IdIsGenerated: pk is null);
    }
}
