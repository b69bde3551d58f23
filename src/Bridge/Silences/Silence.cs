using System.Text.Json.Serialization;

namespace Bridge.Silences;

/// <summary>
/// A time-boxed silence: until <see cref="EndsAt"/>, a rule that matches an event the <see cref="Match"/> keys also
/// match sends nothing for it. The event is still stored, and the rule's verdict names the silence.
/// </summary>
/// <param name="Id">The silence's name in the API and the CLI (<c>sil_</c> and 12 hex digits).</param>
/// <param name="CreatedBy">Who made it: <c>admin API</c>, or <c>mute button</c> for a signed mute URL.</param>
/// <param name="EndedAt">When it was ended by hand before its time; null otherwise.</param>
public sealed record Silence(string Id, SilenceMatch Match, string Comment, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset EndsAt, DateTimeOffset? EndedAt = null)
{
    /// <summary>Whether it holds events at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now) => EndedAt is null && now < EndsAt;
}

/// <summary>What a silence holds: every key given must match (absent keys match everything); at least one is given.</summary>
/// <param name="Action">The event action; <c>*</c> wildcards, as in rules.</param>
/// <param name="User">The event user's username; <c>*</c> wildcards.</param>
/// <param name="Group">One of the event user's groups.</param>
/// <param name="ClientIp">An address or CIDR range.</param>
/// <param name="Rule">The rule's name.</param>
/// <param name="Source">The source the event arrived on.</param>
public sealed record SilenceMatch(
    [property: JsonPropertyName("action")] string? Action = null,
    [property: JsonPropertyName("user")] string? User = null,
    [property: JsonPropertyName("group")] string? Group = null,
    [property: JsonPropertyName("client_ip")] string? ClientIp = null,
    [property: JsonPropertyName("rule")] string? Rule = null,
    [property: JsonPropertyName("source")] string? Source = null)
{
    /// <summary>The JSON keys, in the order they are documented.</summary>
    public static readonly IReadOnlyList<string> Keys = ["action", "user", "group", "client_ip", "rule", "source"];

    [JsonIgnore]
    public bool IsEmpty => Action is null && User is null && Group is null && ClientIp is null && Rule is null && Source is null;

    /// <summary><c>action=login, user=bob</c>: the keys given, for logs and verdicts.</summary>
    public override string ToString()
    {
        var parts = new List<string>(6);
        if (Action is not null) parts.Add($"action={Action}");
        if (User is not null) parts.Add($"user={User}");
        if (Group is not null) parts.Add($"group={Group}");
        if (ClientIp is not null) parts.Add($"client_ip={ClientIp}");
        if (Rule is not null) parts.Add($"rule={Rule}");
        if (Source is not null) parts.Add($"source={Source}");
        return string.Join(", ", parts);
    }
}
