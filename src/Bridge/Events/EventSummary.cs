using System.Text.Json;

namespace Bridge.Events;

/// <summary>Chooses the one-line human summary, the same way for every body shape.</summary>
internal static class EventSummary
{
    /// <summary>
    /// In order: <c>context.message</c> (human text Authentik wrote for this event); else the notification
    /// body unless it is Authentik's <c>"action: {repr}"</c> fallback, which is unreadable on a phone; else the
    /// action name alone (<c>login_failed</c>), which is short, stable and what mappings can build on.
    /// </summary>
    public static string? Choose(JsonElement? context, string? notificationBody, string? action)
    {
        if (context is { } c && JsonRead.NonEmptyString(c, "message") is { } message)
        {
            return message;
        }
        if (notificationBody is { Length: > 0 } body && !ActionPrefix.TryRead(body, out _))
        {
            return body;
        }
        return action;
    }
}
