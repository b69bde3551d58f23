using System.Text.Json;

namespace Bridge.Delivery;

/// <summary>Reads what ntfy answered: the stored message's id, or its error <c>{"code","http","error"}</c>.</summary>
public static class NtfyResponse
{
    /// <summary>ntfy's answers are small; more is not ntfy's, and is never read (an endless answer would fill memory).</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>
    /// Reads at most <see cref="MaxBodyBytes"/> of the answer (<see cref="BoundedBody"/>). The text never repeats the HTTP
    /// status: whoever reports it adds that once.
    /// </summary>
    /// <param name="timeout">For the body, after the headers: a server that sends its answer slowly holds no attempt longer.</param>
    public static async Task<(int? Code, string Text)> ReadAsync(HttpResponseMessage response, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        var answer = await BoundedBody.ReadAsync(response, MaxBodyBytes, timeout, time, ct);
        if (answer.Error is { } unread) return (null, $"the answer's body could not be read: {unread}");
        // More than ntfy ever sends is not ntfy's: what fits is reported, the rest never read.
        var body = System.Text.Encoding.UTF8.GetString(answer.Bytes.Span);
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                {
                    int? code = root.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : null;
                    return (code, error.GetString()!);
                }
                if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String) return (null, $"ntfy id {id.GetString()}");
            }
        }
        catch (JsonException)
        {
            // Not ntfy's JSON (a proxy's HTML error page, say): report a short excerpt.
        }
        if (body.Trim().Length == 0) return (null, "an empty answer");
        var excerpt = body.Length > 200 ? body[..200] + "…" : body;
        return (null, $"not an ntfy answer: {excerpt.ReplaceLineEndings(" ")}");
    }
}
