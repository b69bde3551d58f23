using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bridge.Bench.Harness.Baselines;

/// <summary>
/// The least a relay can do: parse, make a short ntfy message, POST it once to the sink and answer 202 after the
/// sink answered. No store, no retry, no rules: what the bridge adds on top of this is what durability costs.
/// </summary>
internal static class RelayApp
{
    public static async Task<int> RunAsync(string url, Uri sink)
    {
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = sink };
        await using var app = MinimalHost.Build(url);
        app.MapPost("/hooks/{source}", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            var root = body.RootElement;
            using var message = new ByteArrayContent(NtfyMessage(root));
            message.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var answer = await client.PostAsync(new Uri("/", UriKind.Relative), message, context.RequestAborted);
            if (!answer.IsSuccessStatusCode)
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                return;
            }
            await MinimalHost.AcceptedAsync(context, ParseOnlyApp.EventPk(root));
        });
        await app.RunAsync();
        return 0;
    }

    /// <summary>Title and message from the event user, as the admin-login mapping makes them (the sink reads its marker from the e-mail).</summary>
    private static byte[] NtfyMessage(JsonElement root)
    {
        var user = root.TryGetProperty("event", out var e) && e.TryGetProperty("user", out var u) ? u : default;
        var name = user.ValueKind == JsonValueKind.Object && user.TryGetProperty("username", out var n) ? n.GetString() : "someone";
        var email = user.ValueKind == JsonValueKind.Object && user.TryGetProperty("email", out var m) ? m.GetString() : "";
        using var buffer = new MemoryStream(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("topic", "authentik-admin");
            json.WriteString("title", $"Admin login: {name}");
            json.WriteString("message", $"{name} ({email}) signed in to Authentik.");
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
