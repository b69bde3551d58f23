using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Bridge.Messages;

/// <summary>
/// Turns one message object a mapping returned into an <see cref="NtfyMessage"/> that ntfy accepts, or names every field it
/// would reject. Lenient where intent is clear (<c>"high"</c> → 4, <c>"a, b"</c> → two tags, a number where text goes),
/// strict where a guess could send something wrong (unknown fields, objects where text goes, unsafe URLs).
/// </summary>
public static partial class MessageNormalizer
{
    /// <summary>Longest <c>message</c> in UTF-8 bytes; ntfy turns 4096 bytes or more into an attachment.</summary>
    public const int MaxMessageBytes = 4095;

    /// <summary>Largest JSON body ntfy takes (8192 bytes is rejected with 413).</summary>
    public const int MaxBodyBytes = 8191;

    /// <summary>At most this many actions per message (ntfy error 40018).</summary>
    public const int MaxActions = 3;

    private const string Ellipsis = "…";

    /// <summary>The field names a message may have, in the order ntfy documents them.</summary>
    public static readonly IReadOnlyList<string> KnownFields =
        ["topic", "message", "title", "tags", "priority", "actions", "click", "attach", "icon", "markdown", "filename", "delay", "email", "call", "cache", "firebase", "sequence_id"];

    /// <summary>The field names an action may have.</summary>
    public static readonly IReadOnlyList<string> KnownActionFields =
        ["action", "label", "url", "clear", "method", "headers", "body", "intent", "extras", "value"];

    private static readonly HashSet<string> ReservedTopics =
        new(["docs", "static", "file", "app", "metrics", "account", "settings", "signup", "login", "v1"], StringComparer.Ordinal);

    // Schemes a tap may open on a phone (ntfy documents http(s), mailto, geo, ntfy, app links); these can run code or read files instead.
    private static readonly HashSet<string> UnsafeSchemes = new(["javascript", "data", "file", "vbscript", "blob"], StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex("^[-_A-Za-z0-9]{1,64}$")]
    private static partial Regex TopicPattern();

    /// <summary>Normalises one message object.</summary>
    /// <param name="value">What the mapping returned, as JSON.</param>
    /// <param name="defaultTopic">The rule's topic, used when the message names none.</param>
    public static MessageNormalization Normalize(JsonElement value, string? defaultTopic)
    {
        var errors = new List<MessageFieldError>();
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("", $"a message must be an object like {{ title: ..., message: ... }}, not {Describe(value)}"));
            return new(null, errors);
        }

        string? topic = null, message = null, title = null, click = null, attach = null, icon = null, filename = null, delay = null,
            email = null, call = null, cache = null, firebase = null, sequenceId = null;
        int? priority = null;
        bool? markdown = null;
        IReadOnlyList<string>? tags = null;
        JsonArray? actions = null;

        foreach (var p in value.EnumerateObject())
        {
            var v = p.Value;
            // null means "not set", so mappings can write `click: base ? url : null`.
            if (v.ValueKind is JsonValueKind.Null) continue;
            switch (p.Name)
            {
                case "topic": topic = Text(v, "topic", errors); break;
                case "message": message = Text(v, "message", errors); break;
                case "title": title = Text(v, "title", errors); break;
                case "tags": tags = Tags(v, errors); break;
                case "priority": priority = Priority(v, errors); break;
                case "actions": actions = Actions(v, errors); break;
                case "click": click = TapUrl(Text(v, "click", errors), "click", errors); break;
                case "attach": attach = HttpUrl(Text(v, "attach", errors), "attach", errors); break;
                case "icon": icon = HttpUrl(Text(v, "icon", errors), "icon", errors); break;
                case "markdown": markdown = Bool(v, "markdown", errors); break;
                case "filename": filename = Text(v, "filename", errors); break;
                case "delay": delay = Text(v, "delay", errors); break;
                case "email": email = Text(v, "email", errors); break;
                case "call": call = Text(v, "call", errors); break;
                case "cache": cache = Text(v, "cache", errors); break;
                case "firebase": firebase = Text(v, "firebase", errors); break;
                case "sequence_id": sequenceId = Text(v, "sequence_id", errors); break;
                default: errors.Add(new(p.Name, UnknownField(p.Name, KnownFields))); break;
            }
        }

        var resolvedTopic = topic ?? defaultTopic;
        if (string.IsNullOrEmpty(resolvedTopic))
            errors.Add(new("topic", "missing (set it in the mapping or the rule's topic)"));
        else if (!TopicPattern().IsMatch(resolvedTopic))
            errors.Add(new("topic", $"'{Clip(resolvedTopic)}' is not a valid ntfy topic (1 to 64 of A-Z a-z 0-9 _ -)"));
        else if (ReservedTopics.Contains(resolvedTopic))
            errors.Add(new("topic", $"'{resolvedTopic}' is reserved by ntfy"));

        if (errors.Count > 0) return new(null, errors);

        var result = new NtfyMessage
        {
            Topic = resolvedTopic!,
            Message = message is null ? null : Truncate(message, MaxMessageBytes),
            Title = title,
            Tags = tags,
            Priority = priority,
            Actions = actions,
            Click = click,
            Attach = attach,
            Icon = icon,
            Markdown = markdown,
            Filename = filename,
            Delay = delay,
            Email = email,
            Call = call,
            Cache = cache,
            Firebase = firebase,
            SequenceId = sequenceId,
        };
        // Checked here too, so a mapping's result is judged whole; the message maker fits it again with its sequence_id.
        var (fitted, body, error) = Fit(result);
        return error is null ? new(fitted, []) { Body = body } : new(null, [error]);
    }

    /// <summary>
    /// <see cref="Fit"/> for <paramref name="m"/>, given the body it had without the <c>sequence_id</c> it now has: that
    /// body with the id added, when that fits, instead of writing the whole message again.
    /// </summary>
    /// <param name="withoutId">The body <see cref="Fit"/> made of <paramref name="m"/> without its <c>sequence_id</c>.</param>
    public static (NtfyMessage? Message, byte[]? Body, MessageFieldError? Error) FitWithSequenceId(NtfyMessage m, byte[] withoutId)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(withoutId);
        // The serialiser writes sequence_id last (NtfyMessage declares it last); an id of letters and digits is written as it is.
        if (m.SequenceId is not { } id || !id.All(char.IsAsciiLetterOrDigit) || withoutId is not [.., (byte)'}']) return Fit(m);
        var tail = Encoding.ASCII.GetBytes($",\"sequence_id\":\"{id}\"}}");
        if (withoutId.Length - 1 + tail.Length > MaxBodyBytes) return Fit(m);
        var body = new byte[withoutId.Length - 1 + tail.Length];
        withoutId.AsSpan(0, withoutId.Length - 1).CopyTo(body);
        tail.CopyTo(body.AsSpan(withoutId.Length - 1));
        return (m, body, null);
    }

    /// <summary>
    /// The exact body ntfy receives: <paramref name="m"/> as JSON, its <c>message</c> shortened until the whole body fits in
    /// <see cref="MaxBodyBytes"/> (ntfy answers 413 above it). An error when even an empty message is too big.
    /// </summary>
    /// <returns>The message as fitted and its body, or the error.</returns>
    public static (NtfyMessage? Message, byte[]? Body, MessageFieldError? Error) Fit(NtfyMessage m)
    {
        ArgumentNullException.ThrowIfNull(m);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var body = NtfyMessageJson.ToUtf8(m);
            var size = body.Length;
            if (size <= MaxBodyBytes) return (m, body, null);
            var messageBytes = m.Message is null ? 0 : Encoding.UTF8.GetByteCount(m.Message);
            if (messageBytes == 0) break;
            // Escapes make the JSON of the text longer than the text ("\"" is 2 bytes, an emoji 12): cut in proportion.
            var ratio = (double)JsonEncodedText.Encode(m.Message!, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes.Length / messageBytes;
            var budget = messageBytes - (int)Math.Ceiling((size - MaxBodyBytes) / ratio) - 1;
            if (budget <= Encoding.UTF8.GetByteCount(Ellipsis)) break;
            m = m with { Message = Truncate(m.Message!, budget) };
        }
        var final = NtfyMessageJson.ToUtf8(m with { Message = null }).Length;
        return (null, null, new("", $"the message is {final} bytes of JSON without its text; ntfy accepts at most {MaxBodyBytes} (shorten title, tags or actions)"));
    }

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="maxBytes"/> UTF-8 bytes at a character boundary, ending with "…".</summary>
    public static string Truncate(string text, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
        var budget = maxBytes - Encoding.UTF8.GetByteCount(Ellipsis);
        var used = 0;
        var end = 0;
        // Whole runes only: a surrogate pair (emoji) is one rune, so it is never split.
        foreach (var rune in text.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > budget) break;
            used += rune.Utf8SequenceLength;
            end += rune.Utf16SequenceLength;
        }
        return string.Concat(text.AsSpan(0, end), Ellipsis);
    }

    private static string? Text(JsonElement v, string field, List<MessageFieldError> errors)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String: return v.GetString();
            case JsonValueKind.Number: return v.GetRawText();
            default:
                errors.Add(new(field, $"expected text, got {Describe(v)}"));
                return null;
        }
    }

    private static bool? Bool(JsonElement v, string field, List<MessageFieldError> errors)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.String when bool.TryParse(v.GetString(), out var b): return b;
            default:
                errors.Add(new(field, $"expected true or false, got {Describe(v)}"));
                return null;
        }
    }

    private static int? Priority(JsonElement v, List<MessageFieldError> errors)
    {
        double? number = null;
        if (v.ValueKind == JsonValueKind.Number) number = v.GetDouble();
        else if (v.ValueKind == JsonValueKind.String)
        {
            var s = v.GetString()!.Trim();
            switch (s.ToLowerInvariant())
            {
                case "min": return 1;
                case "low": return 2;
                case "default": return 3;
                case "high": return 4;
                case "max" or "urgent": return 5;
            }
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) number = parsed;
            else
            {
                errors.Add(new("priority", $"'{Clip(s)}' is not a priority (1-5, or min, low, default, high, max, urgent)"));
                return null;
            }
        }
        else
        {
            errors.Add(new("priority", $"expected 1-5 or a priority name, got {Describe(v)}"));
            return null;
        }

        var n = number.Value;
        if (n == 0) return null;
        if (n != Math.Floor(n) || n < 1 || n > 5)
        {
            errors.Add(new("priority", $"{n.ToString(CultureInfo.InvariantCulture)} is out of range (1-5, or 0 for the server default)"));
            return null;
        }
        return (int)n;
    }

    private static List<string>? Tags(JsonElement v, List<MessageFieldError> errors)
    {
        var tags = new List<string>();
        if (v.ValueKind == JsonValueKind.String)
        {
            AddTags(tags, v.GetString()!);
            return tags.Count == 0 ? null : tags;
        }
        if (v.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new("tags", $"expected a list of text or a comma-separated text, got {Describe(v)}"));
            return null;
        }
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            switch (item.ValueKind)
            {
                case JsonValueKind.String: AddTags(tags, item.GetString()!); break;
                case JsonValueKind.Number: tags.Add(item.GetRawText()); break;
                case JsonValueKind.Null: break;
                default: errors.Add(new($"tags[{i}]", $"expected text, got {Describe(item)}")); break;
            }
            i++;
        }
        return tags.Count == 0 ? null : tags;
    }

    // ntfy splits a tag on commas itself; splitting here keeps what `bridge try` shows identical to what phones show.
    private static void AddTags(List<string> tags, string text)
    {
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)) tags.Add(part);
    }

    private static JsonArray? Actions(JsonElement v, List<MessageFieldError> errors)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new("actions", $"expected a list of actions, got {Describe(v)}"));
            return null;
        }
        // null entries are skipped, so a mapping can write `[view, cond ? http : null]`.
        var count = v.EnumerateArray().Count(a => a.ValueKind != JsonValueKind.Null);
        if (count > MaxActions)
        {
            errors.Add(new("actions", $"{count} actions, ntfy accepts at most {MaxActions}"));
            return null;
        }
        var result = new JsonArray();
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Null)
            {
                i++;
                continue;
            }
            var action = Action(item, $"actions[{i}]", errors);
            // The JsonNode overload: the generic Add<T> would wrap the object in a JsonValue, which needs reflection (and fails under Native AOT).
            if (action is not null) result.Add((JsonNode)action);
            i++;
        }
        return result.Count == 0 ? null : result;
    }

    private static JsonObject? Action(JsonElement v, string path, List<MessageFieldError> errors)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, $"an action must be an object like {{ action: 'view', label: ..., url: ... }}, not {Describe(v)}"));
            return null;
        }
        var before = errors.Count;
        string? kind = null, label = null, url = null, method = null, body = null, intent = null, value = null;
        bool? clear = null;
        JsonObject? headers = null, extras = null;
        foreach (var p in v.EnumerateObject())
        {
            var f = $"{path}.{p.Name}";
            if (p.Value.ValueKind is JsonValueKind.Null) continue;
            switch (p.Name)
            {
                case "action": kind = Text(p.Value, f, errors)?.Trim().ToLowerInvariant(); break;
                case "label": label = Text(p.Value, f, errors); break;
                case "url": url = Text(p.Value, f, errors); break;
                case "clear": clear = Bool(p.Value, f, errors); break;
                case "method": method = Text(p.Value, f, errors); break;
                case "headers": headers = StringMap(p.Value, f, errors); break;
                case "body": body = Text(p.Value, f, errors); break;
                case "intent": intent = Text(p.Value, f, errors); break;
                case "extras": extras = StringMap(p.Value, f, errors); break;
                case "value": value = Text(p.Value, f, errors); break;
                default: errors.Add(new(f, UnknownField(p.Name, KnownActionFields))); break;
            }
        }

        if (kind is null) errors.Add(new($"{path}.action", "missing (view, broadcast, http or copy)"));
        else if (kind is not ("view" or "broadcast" or "http" or "copy")) errors.Add(new($"{path}.action", $"'{Clip(kind)}' is not an action (view, broadcast, http or copy)"));
        if (string.IsNullOrWhiteSpace(label)) errors.Add(new($"{path}.label", "missing"));
        if (kind is "view" or "http" && url is null) errors.Add(new($"{path}.url", $"missing (a {kind} action needs a url)"));
        else if (url is not null && kind == "view") TapUrl(url, $"{path}.url", errors);
        else if (url is not null && kind == "http") HttpUrl(url, $"{path}.url", errors);
        if (kind == "copy" && value is null) errors.Add(new($"{path}.value", "missing (a copy action needs the text to copy)"));
        if (errors.Count > before) return null;

        var o = new JsonObject { ["action"] = kind, ["label"] = label };
        if (url is not null) o["url"] = url;
        if (clear is not null) o["clear"] = clear;
        if (method is not null) o["method"] = method;
        if (headers is not null) o["headers"] = headers;
        if (body is not null) o["body"] = body;
        if (intent is not null) o["intent"] = intent;
        if (extras is not null) o["extras"] = extras;
        if (value is not null) o["value"] = value;
        return o;
    }

    private static JsonObject? StringMap(JsonElement v, string path, List<MessageFieldError> errors)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, $"expected an object of text values, got {Describe(v)}"));
            return null;
        }
        var o = new JsonObject();
        foreach (var p in v.EnumerateObject())
        {
            var text = Text(p.Value, $"{path}.{p.Name}", errors);
            if (text is not null) o[p.Name] = text;
        }
        return o;
    }

    /// <summary>A URL a tap opens: absolute, any app scheme (mailto:, geo:, tel:, ntfy://…) except ones that run code or read local data.</summary>
    private static string? TapUrl(string? url, string field, List<MessageFieldError> errors)
    {
        if (url is null) return null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || url.StartsWith('/'))
            errors.Add(new(field, $"'{Clip(url)}' is not an absolute URL"));
        else if (UnsafeSchemes.Contains(uri.Scheme))
            errors.Add(new(field, $"'{uri.Scheme}:' URLs are not allowed"));
        else return url;
        return null;
    }

    /// <summary>A URL ntfy or the phone fetches itself: http or https only (ntfy rejects anything else for attach and icon).</summary>
    private static string? HttpUrl(string? url, string field, List<MessageFieldError> errors)
    {
        if (url is null) return null;
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !url.StartsWith('/')) return url;
        errors.Add(new(field, $"'{Clip(url)}' must be an http:// or https:// URL"));
        return null;
    }

    private static string UnknownField(string name, IReadOnlyList<string> known)
    {
        string? closest = null;
        var best = 3;
        foreach (var k in known)
        {
            var d = Distance(name, k);
            if (d < best) (best, closest) = (d, k);
        }
        var hint = closest is null ? "" : $"did you mean '{closest}'? ";
        return $"unknown field; {hint}known fields: {string.Join(", ", known)}";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the text '{Clip(v.GetString()!)}'",
        JsonValueKind.Number => $"the number {v.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {v.GetRawText()}",
        _ => "null",
    };

    private static string Clip(string s) => s.Length <= 80 ? s : string.Concat(s.AsSpan(0, 80), Ellipsis);
}
