using System.Text.Json;

namespace Bridge.Events;

/// <summary>Recognises which of Authentik's body shapes arrived and hands it to the reader for that shape.</summary>
internal static class AuthentikBodyReader
{
    public static EventNormalization Read(string source, JsonElement body, DateTimeOffset receivedAt)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Fail(ShapeErrors.NotAnObject(body));
        }

        // The shape we standardise on: {"notification": {...}, "event": {...}}.
        if (JsonRead.Object(body, "event") is { } ev)
        {
            return Ok(FullEventReader.Read(source, body, ev, JsonRead.Object(body, "notification"), receivedAt));
        }

        // Authentik's built-in body when the transport has no mapping.
        if (JsonRead.Property(body, "body").ValueKind == JsonValueKind.String)
        {
            return Ok(DefaultBodyReader.Read(source, body, receivedAt));
        }

        // Someone returned notification.event itself from their mapping.
        if (JsonRead.Property(body, "action").ValueKind == JsonValueKind.String)
        {
            return Ok(FullEventReader.Read(source, body, body, null, receivedAt));
        }

        // Or returned the notification with the event left inside it (users look for the event there, authentik #17312).
        if (JsonRead.Object(body, "notification") is { } notification && JsonRead.Object(notification, "event") is { } nested)
        {
            return Ok(FullEventReader.Read(source, body, nested, notification, receivedAt));
        }

        // A transport in Slack mode, which ignores property mappings (authenticated by ?token= only).
        if (SlackBodyReader.Recognises(body))
        {
            return Ok(SlackBodyReader.Read(source, body, receivedAt));
        }

        return Fail(ShapeErrors.UnknownShape(body));
    }

    private static EventNormalization Ok(BridgeEvent e) => new(e, null);

    private static EventNormalization Fail(string message) => new(null, new EventShapeError(message));
}
