using System.Net;
using System.Text.Json;
using Bridge.Tests.Support;

namespace Bridge.Tests.EndToEnd;

/// <summary>An event id is its sender's: two sources may send the same one, and the admin API never shows one for the other.</summary>
public sealed class EventIdAcrossSourcesTests
{
    private const string Config = """
        destinations:
          ntfy: {}
        sources:
          prod:
            format: authentik
            token: ${HOOK_TOKEN}
          staging:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - name: all
            topic: all
        """;

    private const string Id = "3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e";

    [Fact]
    public async Task AnIdTwoSourcesSentIsAmbiguousUntilTheSourceIsNamed()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config);
        var body = TestPaths.ReadAuthentikPayload("event-login-admin.json");
        using (var prod = await bridge.PostHookAsync("prod", body)) Assert.Equal(HttpStatusCode.Accepted, prod.StatusCode);

        using var onlyOne = await bridge.Client.GetAsync($"/api/events/{Id}");
        using (var staging = await bridge.PostHookAsync("staging", body)) Assert.Equal(HttpStatusCode.Accepted, staging.StatusCode);
        using var ambiguous = await bridge.Client.GetAsync($"/api/events/{Id}");
        using var named = await bridge.Client.GetAsync($"/api/events/{Id}?source=staging");
        using var unknown = await bridge.Client.GetAsync($"/api/events/{Id}?source=other");

        Assert.Equal(HttpStatusCode.OK, onlyOne.StatusCode);
        Assert.Equal("prod", JsonDocument.Parse(await onlyOne.Content.ReadAsStringAsync()).RootElement.GetProperty("source").GetString());
        Assert.Equal(HttpStatusCode.Conflict, ambiguous.StatusCode);
        Assert.Contains("sources 'prod', 'staging' each sent an event with id", await ambiguous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal("staging", JsonDocument.Parse(await named.Content.ReadAsStringAsync()).RootElement.GetProperty("source").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
