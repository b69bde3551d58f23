using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bridge.Admin;
using Bridge.Configuration;
using Bridge.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Bridge.Tests.EndToEnd;

/// <summary>The admin API over a real socket: lists, details, replay, and who may use it.</summary>
public sealed class AdminApiTests
{
    private const string AdminToken = "admin-7c1e0f";

    private static readonly string WithAdminToken = EndToEndConfigs.AdminLogin + $"\nserver: {{ admin_token: {AdminToken} }}\n";

    private static byte[] AdminLogin(int i)
    {
        var node = JsonNode.Parse(TestPaths.ReadAuthentikPayload("event-login-admin.json"))!;
        node["event"]!["pk"] = $"{i:x32}";
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    [Fact]
    public async Task EventsAreListedNewestFirstInPagesWithACursor()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(WithAdminToken, ntfy);
        for (var i = 1; i <= 3; i++) await bridge.PostHookAsync("authentik", AdminLogin(i));

        var first = await GetAsync(bridge, "/api/events?limit=2&rule=admin-login");
        var second = await GetAsync(bridge, $"/api/events?limit=2&rule=admin-login&cursor={first.GetProperty("next").GetString()}");

        Assert.Equal([$"{3:x32}", $"{2:x32}"], first.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal([$"{1:x32}"], second.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Equal(0, (await GetAsync(bridge, "/api/events?action=logout")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task AnEventsDetailHasItsVerdictsMessagesAndEveryAttempt()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(WithAdminToken, ntfy);
        ntfy.FailNext(503);
        await bridge.PostHookAsync("authentik", AdminLogin(7));
        await ntfy.WaitForMessagesAsync(1);
        await bridge.Logs.WaitForMessageAsync("Delivered message");

        var detail = await GetAsync(bridge, $"/api/events/{7:x32}");

        Assert.Equal("login", detail.GetProperty("event").GetProperty("action").GetString());
        Assert.Contains(detail.GetProperty("verdicts").EnumerateArray(), v => v.GetProperty("rule").GetString() == "failed-login" && !v.GetProperty("matched").GetBoolean());
        var message = Assert.Single(detail.GetProperty("messages").EnumerateArray());
        Assert.Equal("delivered", message.GetProperty("status").GetString());
        Assert.Equal(2, message.GetProperty("attempts").GetInt32());
        Assert.Equal("gauth", message.GetProperty("message").GetProperty("topic").GetString());
        var attempts = message.GetProperty("attempt_log").EnumerateArray().ToList();
        Assert.Equal(["failed", "delivered"], attempts.Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal(503, attempts[0].GetProperty("http_status").GetInt32());
        Assert.Equal(50301, attempts[0].GetProperty("ntfy_code").GetInt32());
    }

    [Fact]
    public async Task AnEventsDetailShowsWhatItsMappingsPrintedAndTheirErrors()
    {
        var config = WithAdminToken.Replace("mapping: admin-login.js", "mapping: chatty.js", StringComparison.Ordinal);
        await using var bridge = await BridgeTestHost.StartAsync(config, mappings: new Dictionary<string, string>
        {
            ["chatty.js"] = "function map(event, ctx) {\n  console.log('user', event.user.username);\n  console.warn({ ip: event.client_ip });\n  return [{ title: 'ok' }, { priority: 9 }];\n}",
        });
        await bridge.PostHookAsync("authentik", AdminLogin(8));
        await bridge.Logs.WaitForMessageAsync("Processed event");

        var detail = await GetAsync(bridge, $"/api/events/{8:x32}");

        var run = Assert.Single(detail.GetProperty("mapping_log").EnumerateArray());
        Assert.Equal("admin-login", run.GetProperty("rule").GetString());
        Assert.Equal("chatty.js", run.GetProperty("mapping").GetString());
        var console = run.GetProperty("console").EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.Equal(2, console.Count);
        Assert.Contains("alice.admin", console[0], StringComparison.Ordinal);
        Assert.Contains("5.4.12.34", console[1], StringComparison.Ordinal);
        Assert.Contains("priority", Assert.Single(run.GetProperty("errors").EnumerateArray()).GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeadMessageIsListedAndReplayedOnceTheCauseIsFixed()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(WithAdminToken, ntfy);
        ntfy.FailNext(400, code: 40009, error: "invalid request: topic invalid");
        await bridge.PostHookAsync("authentik", AdminLogin(1));
        await bridge.Logs.WaitForMessageAsync("ntfy rejected message");

        var dead = Assert.Single((await GetAsync(bridge, "/api/messages?status=dead")).GetProperty("items").EnumerateArray());
        Assert.Equal($"{1:x32}", dead.GetProperty("event_id").GetString());
        Assert.Equal("admin-login", dead.GetProperty("rule").GetString());
        Assert.Equal("ntfy", dead.GetProperty("destination").GetString());
        Assert.Equal(1, dead.GetProperty("attempts").GetInt32());
        Assert.Contains("40009", dead.GetProperty("last_error").GetString(), StringComparison.Ordinal);

        using var replay = await SendAsync(bridge, HttpMethod.Post, $"/api/messages/{dead.GetProperty("id").GetInt64()}/replay");

        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Single(await ntfy.WaitForMessagesAsync(1));
        using var again = await SendAsync(bridge, HttpMethod.Post, $"/api/messages/{dead.GetProperty("id").GetInt64()}/replay");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task ReplayByFilterTakesEveryMatchingDeadMessage()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(WithAdminToken, ntfy);
        ntfy.FailNext(400, times: 3, code: 40009, error: "invalid request: topic invalid");
        for (var i = 1; i <= 3; i++) await bridge.PostHookAsync("authentik", AdminLogin(i));
        // Logged after the store records each death.
        await bridge.Logs.WaitForCountAsync(e => e.RenderMessage().StartsWith("ntfy rejected message", StringComparison.Ordinal), 3);

        using var replay = await SendAsync(bridge, HttpMethod.Post, "/api/messages/replay?destination=ntfy");

        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(3, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());
        Assert.Equal(3, (await ntfy.WaitForMessagesAsync(3)).Count);
    }

    [Fact]
    public async Task AMessageNoMappingCouldMakeIsReplayedByRunningTheFixedMappingAgain()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        using var directory = new TempDirectory();
        var config = WithAdminToken.Replace("mapping: admin-login.js", "mapping: custom.js", StringComparison.Ordinal);
        long id;
        await using (var broken = await BridgeTestHost.StartAsync(config, ntfy, new Dictionary<string, string> { ["custom.js"] = "function map(e) { return { topic: 'gauth', priority: 9 }; }" },
            new TestHostOptions(directory)))
        {
            await broken.PostHookAsync("authentik", AdminLogin(1));
            await broken.Logs.WaitForMessageAsync("Processed event");
            var dead = await GetAsync(broken, "/api/messages?status=dead");
            id = Assert.Single(dead.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64();
        }
        await using var fixedMapping = await BridgeTestHost.StartAsync(config, ntfy, new Dictionary<string, string> { ["custom.js"] = "function map(e) { return { topic: 'gauth', message: 'fixed' }; }" },
            new TestHostOptions(directory));

        using var replay = await SendAsync(fixedMapping, HttpMethod.Post, $"/api/messages/{id}/replay");

        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal("fixed", Assert.Single(await ntfy.WaitForMessagesAsync(1)).Text("message"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task AMissingOrWrongAdminTokenIsUnauthorized(string? token)
    {
        await using var bridge = await BridgeTestHost.StartAsync(WithAdminToken);

        using var response = await SendAsync(bridge, HttpMethod.Get, "/api/messages", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(AdminToken, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAnAdminTokenLoopbackClientsMayUseTheApi()
    {
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin);

        using var response = await SendAsync(bridge, HttpMethod.Get, "/api/status", token: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("healthy", status.GetProperty("destinations")[0].GetProperty("health").GetString());
    }

    [Theory]
    [InlineData("10.1.2.3", null, 401)]
    [InlineData("127.0.0.1", null, 200)]
    [InlineData("::1", null, 200)]
    [InlineData("10.1.2.3", "Bearer s3cret", 200)]
    [InlineData("127.0.0.1", "Bearer nope", 401)]
    public async Task AccessNeedsTheTokenOrWithoutOneALoopbackClient(string remote, string? authorization, int expected)
    {
        var token = authorization is null ? null : "s3cret";
        var runtime = new LiveRuntime(CompiledRuntime(token));
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (authorization is not null) http.Request.Headers.Authorization = authorization;
        if (expected == 200 && authorization is null) runtime = new LiveRuntime(CompiledRuntime(null));

        var result = await new AdminAccess(runtime).InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => ValueTask.FromResult<object?>("passed"));

        if (expected == 200) Assert.Equal("passed", result);
        else Assert.Equal(401, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);
    }

    [Theory]
    [InlineData("Origin", "http://evil.example", null, 403)]
    [InlineData("Origin", "http://127.0.0.1:8080", null, 200)]
    [InlineData("Sec-Fetch-Site", "cross-site", null, 403)]
    [InlineData("Sec-Fetch-Site", "cross-site", "s3cret", 403)]
    [InlineData("Sec-Fetch-Site", "same-origin", null, 200)]
    [InlineData("X-Forwarded-For", "203.0.113.9", null, 401)]
    [InlineData("X-Forwarded-For", "203.0.113.9", "s3cret", 200)]
    public async Task BrowsersOnOtherSitesAndProxiedClientsCannotRideOnLoopbackTrust(string header, string value, string? token, int expected)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        http.Request.Host = new HostString("127.0.0.1:8080");
        http.Request.Headers[header] = value;
        if (token is not null) http.Request.Headers.Authorization = "Bearer " + token;

        var result = await new AdminAccess(new LiveRuntime(CompiledRuntime(token))).InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => ValueTask.FromResult<object?>("passed"));

        if (expected == 200) Assert.Equal("passed", result);
        else Assert.Equal(expected, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);
    }

    private static BridgeRuntime CompiledRuntime(string? adminToken)
    {
        var yaml = "sources: { authentik: { token: t } }\ndestinations: { ntfy: {} }\nrules: []\n" + (adminToken is null ? "" : $"server: {{ admin_token: {adminToken} }}\n");
        return BridgeRuntime.Compile(ConfigLoader.Load(yaml, null, Path.GetTempPath(), new EnvInterpolator(_ => null))).Runtime!;
    }

    private static async Task<JsonElement> GetAsync(BridgeTestHost bridge, string path)
    {
        using var response = await SendAsync(bridge, HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Task<HttpResponseMessage> SendAsync(BridgeTestHost bridge, HttpMethod method, string path, string? token = AdminToken)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return bridge.Client.SendAsync(request);
    }
}
