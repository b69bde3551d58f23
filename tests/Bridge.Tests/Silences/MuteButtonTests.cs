using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bridge.Tests.Incidents;
using Bridge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Silences;

/// <summary>The signed "Mute 1 h" button: it makes its one silence, once, until it expires; altered, it makes nothing.</summary>
public sealed class MuteButtonTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);

    private const string Config = """
        mapping_limits: { timeout: 30s }
        server:
          admin_token: admin-5d1f0c
          public_url: https://bridge.example.com/
        destinations:
          ntfy:
            url: ${NTFY_URL}
            token: ${NTFY_TOKEN}
            retry: { schedule: [0s, 10ms] }
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - name: failed-login
            match: { action: login_failed }
            mapping: failed-login.js
            topic: failures
        """;

    [Fact]
    public async Task TheButtonMakesItsOneSilenceOnceAndIsRefusedReusedAlteredOrExpired()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(Time: time));

        var first = await ButtonOfAsync(bridge, ntfy, 1);
        var second = await ButtonOfAsync(bridge, ntfy, 2);
        Assert.Equal("Mute 1 h", first.GetProperty("label").GetString());
        Assert.Equal("http", first.GetProperty("action").GetString());
        Assert.True(first.GetProperty("clear").GetBoolean());
        var url = new Uri(first.GetProperty("url").GetString()!);
        Assert.Equal("bridge.example.com", url.Host);
        Assert.DoesNotContain("admin-5d1f0c", url.ToString(), StringComparison.Ordinal);

        // Whatever the caller sends, the token alone says what is silenced.
        using (var made = await MuteAsync(bridge, url.AbsolutePath, """{"match": {"action": "*"}, "for": "30d"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
            var silence = await made.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("mute button", silence.GetProperty("created_by").GetString());
            Assert.Equal(Start + TimeSpan.FromHours(1), silence.GetProperty("ends_at").GetDateTimeOffset());
            var match = silence.GetProperty("match");
            Assert.Equal(("login_failed", "alice.admin", "failed-login"),
                (match.GetProperty("action").GetString(), match.GetProperty("user").GetString(), match.GetProperty("rule").GetString()));
        }
        using (var held = await bridge.PostHookAsync("authentik", IncidentCardTests.FailedLogin(3, "10.0.0.1")))
            Assert.StartsWith("silenced by sil_", (await held.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("not_matched").GetProperty("failed-login").GetString(), StringComparison.Ordinal);

        await AssertRefusedAsync(bridge, url.AbsolutePath, HttpStatusCode.Conflict, "this mute button was used already: it made silence sil_");
        var token = url.AbsolutePath["/mute/".Length..];
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var altered = token[..(dot - 2)] + (token[dot - 2] == 'A' ? 'B' : 'A') + token[(dot - 1)..];
        await AssertRefusedAsync(bridge, "/mute/" + altered, HttpStatusCode.Forbidden, "the token's signature does not match");
        await AssertRefusedAsync(bridge, "/mute/nonsense", HttpStatusCode.BadRequest, "not a mute token");
        using (var listed = await bridge.Client.SendAsync(Admin(HttpMethod.Get, "/api/silences")))
            Assert.Single((await listed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("silences").EnumerateArray());

        time.Advance(TimeSpan.FromHours(24));
        await AssertRefusedAsync(bridge, new Uri(second.GetProperty("url").GetString()!).AbsolutePath, HttpStatusCode.Gone, "this mute button expired at 2026-03-15 09:00:00Z");
    }

    /// <summary>Posts failed login <paramref name="n"/> and returns the button on its notification.</summary>
    private static async Task<JsonElement> ButtonOfAsync(BridgeTestHost bridge, FakeNtfy ntfy, int n)
    {
        using (var answer = await bridge.PostHookAsync("authentik", IncidentCardTests.FailedLogin(n, "10.0.0.1"))) answer.EnsureSuccessStatusCode();
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        return Assert.Single(message.Json.GetProperty("actions").EnumerateArray());
    }

    private static async Task AssertRefusedAsync(BridgeTestHost bridge, string path, HttpStatusCode status, string detail)
    {
        using var answer = await MuteAsync(bridge, path, null);
        Assert.Equal(status, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(detail, (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> MuteAsync(BridgeTestHost bridge, string path, string? body) =>
        bridge.Client.PostAsync(new Uri(path, UriKind.Relative), body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"));

    private static HttpRequestMessage Admin(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new("Bearer", "admin-5d1f0c");
        return request;
    }
}
