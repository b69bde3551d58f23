using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Dashboard;

/// <summary>Who may see the dashboard and use its actions, over a real socket; and that no page shows a configured secret.</summary>
public sealed class DashboardAccessTests
{
    public const string AdminToken = "admin-4e8a1c";

    public static readonly string Config = EndToEndConfigs.AdminLogin + $"\nserver: {{ admin_token: {AdminToken} }}\n";

    /// <summary>An admin login whose body carries the hook token and the ntfy token, as a careless sender might.</summary>
    public static byte[] LoginCarrying(string id, params string[] secrets)
    {
        var node = JsonNode.Parse(TestPaths.ReadAuthentikPayload("event-login-admin.json"))!;
        node["event"]!["pk"] = id;
        node["event"]!["context"]!["note"] = string.Join(" and ", secrets);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    [Fact]
    public async Task WithoutASessionPagesShowTheSignInFormAndTheApiRefuses()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config);

        var page = await bridge.Client.GetAsync("/admin/events");
        var html = await page.Content.ReadAsStringAsync();
        var rows = await bridge.Client.GetAsync("/admin/api/rows");
        var wrong = await SendAsync(bridge, HttpMethod.Get, "/admin/api/rows", cookie: "bridge_session=0123");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("type=\"password\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"return\" value=\"/admin/events\"", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, rows.StatusCode);
        Assert.Equal("application/problem+json", rows.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Found, (await NoRedirects(bridge).GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task SigningInSetsAStrictHttpOnlyCookieThatSigningOutEnds()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config);

        var wrong = await LoginAsync(bridge, "not-the-token");
        var right = await LoginAsync(bridge, AdminToken);
        var cookie = Assert.Single(right.Headers.GetValues("Set-Cookie"));
        var session = cookie.Split(';')[0];
        var before = await SendAsync(bridge, HttpMethod.Get, "/admin/api/rows", session);
        var logout = await SendAsync(bridge, HttpMethod.Post, "/admin/logout", session);
        var after = await SendAsync(bridge, HttpMethod.Get, "/admin/api/rows", session);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Found, right.StatusCode);
        Assert.Equal("/admin/events", right.Headers.Location!.OriginalString);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/admin", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Found, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Theory]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task CrossSiteRequestsAreRefusedEvenWithAValidSession(string header, string value)
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config);
        var session = await SessionAsync(bridge);

        var replayAll = await SendAsync(bridge, HttpMethod.Post, "/admin/api/messages/replay", session, (header, value));
        var replayOne = await SendAsync(bridge, HttpMethod.Post, "/admin/api/messages/1/replay", session, (header, value));
        var rows = await SendAsync(bridge, HttpMethod.Get, "/admin/api/rows", session, (header, value));
        var login = await LoginAsync(bridge, AdminToken, (header, value));
        var logout = await SendAsync(bridge, HttpMethod.Post, "/admin/logout", session, (header, value));

        Assert.All([replayAll, replayOne, rows, login, logout], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(bridge, HttpMethod.Get, "/admin/api/rows", session)).StatusCode);
    }

    [Fact]
    public async Task WithoutAnAdminTokenTheDashboardAnswersDirectLoopbackClientsOnly()
    {
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin);

        var direct = await bridge.Client.GetAsync("/admin/api/rows");
        var proxied = await SendAsync(bridge, HttpMethod.Get, "/admin/api/rows", null, ("X-Forwarded-For", "203.0.113.9"));
        var page = await bridge.Client.GetStringAsync("/admin/events");

        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, proxied.StatusCode);
        Assert.DoesNotContain("type=\"password\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Sign out", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoPageOrAnswerShowsAConfiguredSecret()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy);
        var id = $"{42:x32}";
        await bridge.PostHookAsync("authentik", LoginCarrying(id, BridgeTestHost.HookToken, ntfy.Token!, AdminToken));
        await ntfy.WaitForMessagesAsync(1);
        await bridge.Logs.WaitForMessageAsync("Delivered message");
        var session = await SessionAsync(bridge);

        string[] paths = ["/admin/events", $"/admin/events/{id}", "/admin/messages?status=delivered", "/admin/destinations", "/admin/api/rows",
            $"/admin/api/events/{id}", $"/admin/api/events/{id}/body", "/admin/api/messages?status=delivered", "/admin/api/status", "/admin/assets/app.js"];
        foreach (var path in paths)
        {
            var response = await SendAsync(bridge, HttpMethod.Get, path, session);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
            Assert.DoesNotContain(BridgeTestHost.HookToken, text, StringComparison.Ordinal);
            Assert.DoesNotContain(ntfy.Token!, text, StringComparison.Ordinal);
            Assert.DoesNotContain(AdminToken, text, StringComparison.Ordinal);
        }
        Assert.Contains("*** and *** and ***", await (await SendAsync(bridge, HttpMethod.Get, $"/admin/api/events/{id}/body", session)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Signs in and returns the session cookie as a request header value.</summary>
    public static async Task<string> SessionAsync(BridgeTestHost bridge)
    {
        var response = await LoginAsync(bridge, AdminToken);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
    }

    private static Task<HttpResponseMessage> LoginAsync(BridgeTestHost bridge, string token, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["return"] = "/admin/events" }),
        };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return NoRedirects(bridge).SendAsync(request);
    }

    private static Task<HttpResponseMessage> SendAsync(BridgeTestHost bridge, HttpMethod method, string path, string? cookie, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        if (cookie is not null) request.Headers.TryAddWithoutValidation("Cookie", cookie);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return NoRedirects(bridge).SendAsync(request);
    }

    private static HttpClient NoRedirects(BridgeTestHost bridge) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = bridge.Client.BaseAddress };
}
