using System.Text.Json;
using Bridge.Events;

namespace Bridge.Authentik;

/// <summary>Looked-up groups on an event, as rules and mappings see them: exactly as if the body had carried them.</summary>
public static class EventGroups
{
    public static BridgeEvent With(BridgeEvent e, IReadOnlyList<string> groups)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.User is null ? e : e with { User = e.User with { Groups = groups, HasGroups = true } };
    }

    /// <summary>
    /// An event rebuilt from its stored body (after a restart, or past the queue's memory) has lost the groups that were
    /// looked up for it; the stored event JSON, written as the rules saw the event, still has them.
    /// </summary>
    public static BridgeEvent Restore(BridgeEvent e, byte[] eventJson)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.User is not { HasGroups: false }) return e;
        using var stored = JsonDocument.Parse(eventJson);
        if (!stored.RootElement.TryGetProperty("user", out var user) || user.ValueKind != JsonValueKind.Object
            || !user.TryGetProperty("groups", out var groups) || groups.ValueKind != JsonValueKind.Array || groups.GetArrayLength() == 0)
            return e;
        var names = new List<string>(groups.GetArrayLength());
        foreach (var g in groups.EnumerateArray())
        {
            if (g.GetString() is { } name) names.Add(name);
        }
        return With(e, names);
    }
}
