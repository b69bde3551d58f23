using System.Text.Json;

namespace Bridge.Delivery;

/// <summary>Reads what ntfy answered: the stored message's id, or its error <c>{"code","http","error"}</c>.</summary>
public static class NtfyResponse
{
    /// <summary>ntfy errors are small; a larger body is not ntfy's, and is not worth reading whole.</summary>
    private const int MaxBodyBytes = 16 * 1024;

    public static async Task<(int? Code, string Text)> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string body;
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            body = System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, MaxBodyBytes));
        }
        catch (HttpRequestException e)
        {
            return (null, $"HTTP {(int)response.StatusCode}, body unreadable: {e.Message}");
        }
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
            // Not ntfy's JSON (a proxy's HTML error page, say): report the status with a short excerpt.
        }
        var excerpt = body.Length > 200 ? body[..200] + "…" : body;
        return (null, $"HTTP {(int)response.StatusCode}: {excerpt.ReplaceLineEndings(" ")}");
    }
}
