using System.Text.Json;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Observability;

/// <summary>The OpenAPI description at its documented URL names the hook, admin and probe endpoints, and no dashboard internals.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task TheDescriptionListsTheHookAdminAndProbeEndpoints()
    {
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin);

        var doc = JsonDocument.Parse(await bridge.Client.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();

        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Superset(new HashSet<string>
        {
            "/hooks/{source}", "/readyz", "/api/events", "/api/events/{id}", "/api/events/{id}/body", "/api/messages", "/api/messages/{id}",
            "/api/messages/{id}/replay", "/api/messages/replay", "/api/status",
        }, paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/admin", StringComparison.Ordinal));
        var hook = doc.GetProperty("paths").GetProperty("/hooks/{source}").GetProperty("post");
        Assert.True(hook.GetProperty("responses").TryGetProperty("202", out _));
    }
}
