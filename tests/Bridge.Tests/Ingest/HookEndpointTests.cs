using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Ingest;

/// <summary>What a sender is told, for every kind of request, over a real socket.</summary>
public sealed class HookEndpointTests : IAsyncLifetime
{
    private BridgeTestHost _bridge = null!;

    public async Task InitializeAsync() => _bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin);

    public async Task DisposeAsync() => await _bridge.DisposeAsync();

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/json")]
    [InlineData("text/plain")]
    [InlineData("")]
    public async Task JsonBodyIsAcceptedWhateverTheContentType(string contentType)
    {
        using var response = await _bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"), contentType: contentType);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e", body.GetProperty("event").GetString());
        Assert.Equal("login", body.GetProperty("action").GetString());
        Assert.Equal(["admin-login"], body.GetProperty("matched").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task TokenInTheQueryStringIsAcceptedForSendersWithoutHeaders()
    {
        using var response = await _bridge.Client.PostAsync($"/hooks/authentik?token={BridgeTestHost.HookToken}",
            new ByteArrayContent(TestPaths.ReadAuthentikPayload("event-login-admin.json")));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData(null, "missing token")]
    [InlineData("not-the-token", "wrong token")]
    public async Task WrongOrMissingTokenIsUnauthorized(string? token, string expected)
    {
        using var response = await _bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"), token: token);

        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized, expected);
        Assert.DoesNotContain(BridgeTestHost.HookToken, problem, StringComparison.Ordinal);
        Assert.Equal("Bearer realm=\"bridge\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task BasicAuthIsRefusedWithTheSchemeToUse()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/authentik") { Content = new StringContent("{}") };
        request.Headers.TryAddWithoutValidation("Authorization", "Basic dXNlcjpwYXNz");
        using var response = await _bridge.Client.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "Bearer");
    }

    [Fact]
    public async Task UnknownSourceIsNotFound()
    {
        using var response = await _bridge.PostHookAsync("gitlab", Encoding.UTF8.GetBytes("{}"));

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "no source named 'gitlab'");
    }

    [Theory]
    [InlineData("", HttpStatusCode.BadRequest, "no body")]
    [InlineData("{\"event\": ", HttpStatusCode.BadRequest, "not valid JSON")]
    [InlineData("not json", HttpStatusCode.BadRequest, "not valid JSON")]
    [InlineData("[1, 2]", HttpStatusCode.BadRequest, "must be a JSON object, not an array")]
    [InlineData("\"login\"", HttpStatusCode.BadRequest, "must be a JSON object, not a string")]
    [InlineData("{\"a\": 1, \"a\": 2}", HttpStatusCode.BadRequest, "not valid JSON")]
    [InlineData("{\"hello\": \"world\"}", HttpStatusCode.UnprocessableEntity, "not an Authentik body")]
    public async Task BadBodiesGetAPreciseProblem(string body, HttpStatusCode status, string expected)
    {
        using var response = await _bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(body));

        await AssertProblemAsync(response, status, expected);
    }

    [Theory]
    [InlineData("{\"a\": \"\\ud800\"}", "Invalid string in body", "string at byte 6 has a \\u escape that is no character")]
    [InlineData("{\"\\udc00\": 1}", "Invalid string in body", "property name at byte 1 has a \\u escape")]
    [InlineData("{\"event\": {\"action\": \"login\\ud83d\"}}", "Invalid string in body", "lone UTF-16 surrogate")]
    [InlineData("{\"pk\": 1e999}", "Number out of range", "the number at byte 7 is out of range")]
    [InlineData("{\"pk\": -1e400}", "Number out of range", "must fit a 64-bit float")]
    [InlineData("   \n\t ", "Empty body", "no body")]
    public async Task ValidJsonTheBridgeCannotUseGetsAPreciseProblem(string body, string title, string expected)
    {
        using var response = await _bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(body));

        var problem = JsonDocument.Parse(await AssertProblemAsync(response, HttpStatusCode.BadRequest, expected)).RootElement;
        Assert.Equal(title, problem.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("7B2261223A2022FF227D", "not valid UTF-8: the byte at offset 7")]
    [InlineData("7B2261223A2022C3287D", "not valid UTF-8: the byte at offset 7")]
    [InlineData("7B2261223A2022EDA080227D", "not valid UTF-8: the byte at offset 7")]
    [InlineData("FFFE7B007D00", "looks like UTF-16")]
    [InlineData("7B0022006100", "looks like UTF-16")]
    public async Task BodiesThatAreNotUtf8AreRefusedAsSuch(string hex, string expected)
    {
        using var response = await _bridge.PostHookAsync("authentik", Convert.FromHexString(hex));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
    }

    [Fact]
    public async Task AUtf8ByteOrderMarkIsIgnored()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. TestPaths.ReadAuthentikPayload("event-login-admin.json")];

        using var response = await _bridge.PostHookAsync("authentik", body);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task DeeplyNestedBodyIsRefusedNotCrashed()
    {
        var body = new string('[', 10_000) + new string(']', 10_000);

        using var response = await _bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes("{\"a\":" + body + "}"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "depth");
    }

    [Fact]
    public async Task OversizedBodyIsRefusedWithPayloadTooLarge()
    {
        var body = "{\"pad\": \"" + new string('x', 2 * 1024 * 1024) + "\"}";

        using var response = await _bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task NoBadInputReachesTheCatchAllErrorHandler()
    {
        string[] bodies = ["", "{", "[]", "null", "{\"a\":1,\"a\":2}", "{\"a\":\"\\ud800\"}", "{\"a\":1e999}", "{\"event\": []}", "{\"event\": {\"user\": 5}}"];
        foreach (var body in bodies)
        {
            using var response = await _bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(body));
            Assert.InRange((int)response.StatusCode, 200, 499);
        }
        using var notUtf8 = await _bridge.PostHookAsync("authentik", [0x7B, 0xFF, 0x7D]);
        Assert.Equal(HttpStatusCode.BadRequest, notUtf8.StatusCode);

        Assert.DoesNotContain(_bridge.Logs.Events, e => e.MessageTemplate.Text == Bridge.Hosting.UnexpectedErrorHandler.LogMessage);
    }

    [Fact]
    public async Task HealthzAnswersOkOnceStarted()
    {
        using var response = await _bridge.Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        return text;
    }
}
