using System.Text.Json;
using System.Text.Json.Serialization;
using Bridge.Storage;

namespace Bridge.Dashboard;

/// <summary>One line of the live event list: what happened, to whom, from where, and what became of it.</summary>
/// <param name="Outcome">processing, no match, dropped, pending, delivered or dead (the worst of its messages).</param>
public sealed record EventRow(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("action")] string? Action,
    [property: JsonPropertyName("user")] string? User,
    [property: JsonPropertyName("client_ip")] string? ClientIp,
    [property: JsonPropertyName("rules")] IReadOnlyList<string> Rules,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("duplicates")] int Duplicates)
{

    public static EventRow From(StoredEvent e, IReadOnlyList<StoredMessage> messages)
    {
        using var doc = JsonDocument.Parse(e.EventJson);
        var root = doc.RootElement;
        var user = root.TryGetProperty("user", out var u) && u.ValueKind == JsonValueKind.Object && u.TryGetProperty("username", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()
            : null;
        var ip = root.TryGetProperty("client_ip", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        return new EventRow(e.EventId, e.Seq, e.ReceivedAt, e.Source, e.Action, user, ip, e.RulesToRun, OutcomeOf(e, messages), e.Duplicates);
    }

    private static string OutcomeOf(StoredEvent e, IReadOnlyList<StoredMessage> messages)
    {
        if (e.Status == EventStatus.Received) return "processing";
        if (e.Status == EventStatus.WaitingForGroups) return "waiting for groups";
        if (e.RulesToRun.Count == 0) return "no match";
        if (messages.Count == 0) return "dropped";
        if (messages.Any(m => m.Status == MessageStatus.Dead)) return "dead";
        return messages.Any(m => m.Status == MessageStatus.Pending) ? "pending" : "delivered";
    }

    /// <summary>Whether the row passes the list's filters (null or empty: any).</summary>
    public bool Matches(string? source, string? outcome, string? text)
    {
        if (!string.IsNullOrEmpty(source) && Source != source) return false;
        if (!string.IsNullOrEmpty(outcome) && Outcome != outcome) return false;
        if (string.IsNullOrWhiteSpace(text)) return true;
        var t = text.Trim();
        return Contains(Id, t) || Contains(Action, t) || Contains(User, t) || Contains(ClientIp, t) || Contains(Source, t) || Rules.Any(r => Contains(r, t));
    }

    private static bool Contains(string? field, string text) => field is not null && field.Contains(text, StringComparison.OrdinalIgnoreCase);
}
