using System.Text.Json;

namespace Bridge.Events;

/// <summary>
/// One event as rules and mappings see it, whatever body shape the sender used.
/// Field names follow the JSON that mappings receive (see <see cref="EventJson"/>).
/// </summary>
/// <param name="Id">Authentik's event pk when the body carries it; otherwise an id the bridge made.</param>
/// <param name="Source">The configured source name the event arrived on (<c>/hooks/{source}</c>).</param>
/// <param name="Action">The event action (<c>login</c>, <c>model_created</c>…); null when none could be read.</param>
/// <param name="Severity">The notification severity (<c>notice</c>, <c>warning</c>, <c>alert</c>) when known.</param>
/// <param name="App">The emitting Python module, e.g. <c>authentik.events.signals</c>.</param>
/// <param name="Model"><c>app_label.model_name</c> from <c>context.model</c> on <c>model_*</c> events.</param>
/// <param name="ClientIp">The client address; null when unknown (Authentik's <c>255.255.255.255</c> counts as unknown).</param>
/// <param name="User">The person who caused the event; null for system events.</param>
/// <param name="Recipient">The notification's recipient (Authentik's <c>user_*</c> / <c>notification.user</c>).</param>
/// <param name="Context">The event context object, when the body carries one.</param>
/// <param name="Summary">A one-line human summary (Authentik's notification body or context message).</param>
/// <param name="Created">The event time as the sender wrote it (ISO-8601), when known.</param>
/// <param name="Raw">The body exactly as received, parsed.</param>
/// <param name="IdIsGenerated">True when <paramref name="Id"/> was made by the bridge, not read from the body.</param>
public sealed record BridgeEvent(
    string Id,
    string Source,
    string? Action,
    string? Severity,
    string? App,
    string? Model,
    string? ClientIp,
    EventUser? User,
    EventUser? Recipient,
    JsonElement? Context,
    string? Summary,
    string? Created,
    JsonElement Raw,
    bool IdIsGenerated = false);

/// <summary>A user as named in an event. <see cref="Groups"/> is empty when the body carried none.</summary>
public sealed record EventUser(string? Pk, string? Username, string? Email, IReadOnlyList<string> Groups)
{
    /// <summary>Whether the body carried a <c>groups</c> list at all (an empty list is still "carried").</summary>
    public bool HasGroups { get; init; }
}
