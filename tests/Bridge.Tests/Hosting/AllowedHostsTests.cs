using System.Net;
using System.Text.Json;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Hosting;

/// <summary>DNS rebinding: a request naming a host the bridge does not serve is refused before the admin API or a hook sees it.</summary>
public sealed class AllowedHostsTests
{
    private const string Rebound = "rebind.attacker.example:18080";

    private static string Config(string server = "limits: {}") => EndToEndConfigs.DryRun(server);

    /// <summary>What a browser on the bridge's machine sends for a rebinding page's own "same-origin" request.</summary>
    private static HttpRequestMessage AsRebindingPage(HttpMethod method, string path, string host = Rebound)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation("Origin", "http://" + host);
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        return request;
    }

    [Theory]
    [InlineData("GET", "/api/events")]
    [InlineData("POST", "/api/messages/replay")]
    [InlineData("POST", "/hooks/authentik")]
    [InlineData("GET", "/admin")]
    public async Task ARequestForAnotherHostIsRefused400WithAProblem(string method, string path)
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config());

        using var response = await bridge.Client.SendAsync(AsRebindingPage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("server.allowed_hosts", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoopbackNamesAndThePublicUrlsHostAreAllowedAndHealthAnswersAnyHost()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("public_url: https://bridge.example.com/"));

        using var byPublicName = await bridge.Client.SendAsync(AsRebindingPage(HttpMethod.Get, "/api/events", "bridge.example.com"));
        using var byLocalhost = await bridge.Client.SendAsync(AsRebindingPage(HttpMethod.Get, "/api/events", $"localhost:{bridge.Client.BaseAddress!.Port}"));
        using var health = await bridge.Client.SendAsync(AsRebindingPage(HttpMethod.Get, "/healthz"));
        using var ready = await bridge.Client.SendAsync(AsRebindingPage(HttpMethod.Get, "/readyz"));

        Assert.Equal(HttpStatusCode.OK, byPublicName.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byLocalhost.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task AListedHostIsAllowed()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("allowed_hosts: [bridge, \"*.internal.example\"]"));

        using var byName = await bridge.PostAsync("/hooks/authentik", "bridge:8080");
        using var byWildcard = await bridge.PostAsync("/hooks/authentik", "ntfy-bridge.internal.example");
        using var other = await bridge.PostAsync("/hooks/authentik", "bridge.attacker.example");

        Assert.Equal(HttpStatusCode.Accepted, byName.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, byWildcard.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
    }
}

internal static class HostRequests
{
    private static readonly byte[] Event = TestPaths.ReadAuthentikPayload("event-login-admin.json");

    public static Task<HttpResponseMessage> PostAsync(this BridgeTestHost bridge, string path, string host)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Event) };
        request.Headers.Host = host;
        request.Headers.Authorization = new("Bearer", BridgeTestHost.HookToken);
        return bridge.Client.SendAsync(request);
    }
}
