using System.Text.Json;
using Bridge.Configuration;

namespace Bridge.Silences;

/// <summary>
/// The body of <c>POST /api/silences</c>: <c>{"match": {"action": "login", "user": "bob"}, "for": "1h", "comment": "…"}</c>,
/// read with a precise reason for whatever is wrong (every problem, not the first).
/// </summary>
public sealed record SilenceRequest(SilenceMatch Match, TimeSpan For, string Comment)
{
    /// <summary>The longest a silence may last: one forgotten must not hide an attack next month.</summary>
    public static readonly TimeSpan MaxFor = TimeSpan.FromDays(30);

    /// <summary>The longest comment kept.</summary>
    public const int MaxCommentLength = 500;

    /// <summary>The request, or null with every problem in <paramref name="errors"/> (<c>match.user: …</c>).</summary>
    public static SilenceRequest? Read(JsonElement body, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("the body must be a JSON object: {\"match\": {…}, \"for\": \"1h\", \"comment\": \"…\"}");
            return null;
        }
        foreach (var p in body.EnumerateObject())
        {
            if (p.Name is not ("match" or "for" or "comment")) errors.Add($"{p.Name}: unknown key (known keys: match, for, comment)");
        }
        var match = ReadMatch(body, errors);
        var duration = ReadFor(body, errors);
        var comment = Text(body, "comment", errors);
        if (comment is null) errors.Add("comment: required: say why, for whoever finds the silence");
        else if (comment.Length > MaxCommentLength) errors.Add($"comment: {comment.Length} characters; at most {MaxCommentLength}");
        if (errors.Count > 0 || match is null || duration is null || comment is null) return null;
        var keys = new List<ConfigError>();
        if (SilenceBook.Compile(match, keys) is null)
        {
            foreach (var k in keys) errors.Add(k.ToString());
            return null;
        }
        return new SilenceRequest(match, duration.Value, comment);
    }

    private static SilenceMatch? ReadMatch(JsonElement body, List<string> errors)
    {
        if (!body.TryGetProperty("match", out var m) || m.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"match: required: an object of keys ({string.Join(", ", SilenceMatch.Keys)}), e.g. {{\"action\": \"login\", \"user\": \"bob\"}}");
            return null;
        }
        var before = errors.Count;
        foreach (var p in m.EnumerateObject())
        {
            if (!SilenceMatch.Keys.Contains(p.Name)) errors.Add($"match.{p.Name}: unknown key (known keys: {string.Join(", ", SilenceMatch.Keys)})");
        }
        var match = new SilenceMatch(Key(m, "action", errors), Key(m, "user", errors), Key(m, "group", errors), Key(m, "client_ip", errors),
            Key(m, "rule", errors), Key(m, "source", errors));
        if (errors.Count == before && match.IsEmpty) errors.Add("match: give at least one key: an empty match would silence every event");
        return errors.Count == before ? match : null;
    }

    private static string? Key(JsonElement match, string key, List<string> errors) => Text(match, key, errors, "match.");

    private static TimeSpan? ReadFor(JsonElement body, List<string> errors)
    {
        var text = Text(body, "for", errors);
        if (text is null)
        {
            errors.Add("for: required: how long, e.g. \"1h\" or \"30m\"");
            return null;
        }
        if (!ConfigValues.TryParseDuration(text, out var duration) || duration <= TimeSpan.Zero)
        {
            errors.Add($"for: \"{text}\" is not a duration (examples: 30m, 1h, 1h30m, 2d)");
            return null;
        }
        if (duration > MaxFor)
        {
            errors.Add($"for: {text} is longer than {MaxFor.TotalDays:0} days");
            return null;
        }
        return duration;
    }

    private static string? Text(JsonElement obj, string key, List<string> errors, string prefix = "")
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } text && !string.IsNullOrWhiteSpace(text)) return text;
        errors.Add($"{prefix}{key}: must be a non-empty string");
        return null;
    }
}
