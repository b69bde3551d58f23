using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bridge.Bench.Harness.Baselines;

/// <summary>
/// The floor under any webhook receiver on this runtime: Kestrel takes the body, System.Text.Json parses it, and a
/// 202 names the event. No auth, no store, no delivery.
/// </summary>
internal static class ParseOnlyApp
{
    public static async Task<int> RunAsync(string url)
    {
        await using var app = MinimalHost.Build(url);
        app.MapPost("/hooks/{source}", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            await MinimalHost.AcceptedAsync(context, EventPk(body.RootElement));
        });
        await app.RunAsync();
        return 0;
    }

    /// <summary>Authentik's event id, as the bridge answers it.</summary>
    public static string EventPk(JsonElement root) =>
        root.TryGetProperty("event", out var e) && e.TryGetProperty("pk", out var pk) ? pk.GetString() ?? "" : "";
}
