using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bridge.Silences;
using Bridge.Tests.Incidents;
using Bridge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Silences;

/// <summary>
/// The "Mute 1 h" button through the real host: the notification carries a signed URL (never an admin token) that makes
/// exactly its one silence, once, before it expires; the silence holds the next matching event.
/// </summary>
public sealed class MuteButtonTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);

    private const string AdminToken = "admin-7c21e9";

    private const string Config = """
        server:
          admin_token: admin-7c21e9
          public_url: https://bridge.example.com/
          limits: { auth_failures: { requests: 6, per: 30m } }
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            retry: { schedule: [0s, 10ms] }
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - name: failed-login
            match: { action: login_failed }
            topic: failures
        """;

    [Fact]
    public async Task TheButtonMakesItsSilenceWhichHoldsTheNextMatchingEventAndASecondPressMakesNothing()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(Time: new FakeTimeProvider(Start)));
        var url = await ButtonAsync(bridge, ntfy, 1);

        using var made = await PressAsync(bridge, url);
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var silence = await made.Content.ReadFromJsonAsync<JsonElement>();
        var id = silence.GetProperty("id").GetString()!;
        Assert.Equal("""{"action":"login_failed","user":"alice.admin","group":null,"client_ip":null,"rule":"failed-login","source":null}""",
            silence.GetProperty("match").GetRawText());
        Assert.Equal("mute button", silence.GetProperty("created_by").GetString());
        Assert.Equal($"muted from the button of the notification of event {1:x32}", silence.GetProperty("comment").GetString());
        Assert.Equal(Start + TimeSpan.FromHours(1), silence.GetProperty("ends_at").GetDateTimeOffset());

        using var held = await bridge.PostHookAsync("authentik", IncidentCardTests.FailedLogin(2, "10.0.0.1"));
        var answer = await held.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(answer.GetProperty("matched").EnumerateArray());
        Assert.StartsWith($"silenced by {id} (action=login_failed, user=alice.admin, rule=failed-login) until 2026-03-14T10:00:00Z: muted from the button",
            answer.GetProperty("not_matched").GetProperty("failed-login").GetString(), StringComparison.Ordinal);
        var stored = await AdminGetAsync(bridge, $"/api/events/{2:x32}");
        Assert.StartsWith($"silenced by {id}", stored.GetProperty("verdicts")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);

        using var again = await PressAsync(bridge, url);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"already made silence {id}", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single((await AdminGetAsync(bridge, "/api/silences")).GetProperty("silences").EnumerateArray());
        await DeliveryClock.QuietAsync(bridge);
        Assert.Single(ntfy.Published);
    }

    [Fact]
    public async Task TheButtonCarriesASignedTokenAndNoAdminToken()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy);

        await bridge.PostHookAsync("authentik", IncidentCardTests.FailedLogin(1, "10.0.0.1"));
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        var action = Assert.Single(message.Json.GetProperty("actions").EnumerateArray());

        Assert.Equal("http", action.GetProperty("action").GetString());
        Assert.Equal("Mute 1 h", action.GetProperty("label").GetString());
        Assert.Equal("POST", action.GetProperty("method").GetString());
        Assert.Matches(@"^https://bridge\.example\.com/silences/mute\?t=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$", action.GetProperty("url").GetString());
        Assert.False(action.TryGetProperty("headers", out _));
        var body = Encoding.UTF8.GetString(message.Body);
        Assert.DoesNotContain(AdminToken, body, StringComparison.Ordinal);
        Assert.DoesNotContain(BridgeTestHost.HookToken, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAlteredTokenIsRefusedAndMakesNoSilenceAndAnAddressThatKeepsTryingIsLockedOut()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(Time: time));
        var url = await ButtonAsync(bridge, ntfy, 1);
        var token = url[(url.IndexOf("?t=", StringComparison.Ordinal) + 3)..];
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var claim = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(0, dot)));

        // The placeholder of try/test/the playground says what it is (and is not counted as a guess).
        await AssertRefusedAsync(bridge, "/silences/mute?t=" + MuteToken.Preview, HttpStatusCode.BadRequest, "this is the placeholder");
        // Each part of the claim is under the signature: another user, rule, length, expiry or nonce breaks it.
        foreach (var (from, to) in new[] { ("alice.admin", "bob"), ("failed-login", "admin-login"), ("\"f\":3600", "\"f\":2592000"), ("\"x\":1", "\"x\":2"), ("\"n\":\"", "\"n\":\"A") })
        {
            Assert.Contains(from, claim, StringComparison.Ordinal);
            var altered = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claim.Replace(from, to, StringComparison.Ordinal))) + token[dot..];
            await AssertRefusedAsync(bridge, "/silences/mute?t=" + altered, HttpStatusCode.Forbidden, "the token's signature does not match");
        }
        await AssertRefusedAsync(bridge, "/silences/mute?t=" + token[..^2] + (token.EndsWith("AA", StringComparison.Ordinal) ? "BA" : "AA"), HttpStatusCode.Forbidden, "the token's signature does not match");
        Assert.Empty((await AdminGetAsync(bridge, "/api/silences")).GetProperty("silences").EnumerateArray());

        // Six refused tokens used the address's bucket (server.limits.auth_failures: 6 per 30 min): even a good one waits.
        using var locked = await PressAsync(bridge, url);
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Equal("300", locked.Headers.GetValues("Retry-After").Single());
        time.Advance(TimeSpan.FromMinutes(5));
        using var made = await PressAsync(bridge, url);
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
    }

    [Fact]
    public async Task AnExpiredButtonIsRefusedWhileOneFromBeforeARestartStillWorksOnce()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        var options = new TestHostOptions(Directory: directory, Time: time);
        string early, late;
        await using (var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: options))
        {
            early = await ButtonAsync(bridge, ntfy, 1);
            time.Advance(TimeSpan.FromHours(1));
            late = await ButtonAsync(bridge, ntfy, 2);
        }

        // The key and the used tokens are the store's: a restart keeps a button working, and keeps a used one used.
        time.Advance(TimeSpan.FromHours(23) - TimeSpan.FromSeconds(1));
        await using (var restarted = await BridgeTestHost.StartAsync(Config, ntfy, options: options))
        {
            using var made = await PressAsync(restarted, early);
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
            using var other = await PressAsync(restarted, late);
            Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        }
        time.Advance(TimeSpan.FromSeconds(1));
        await using var again = await BridgeTestHost.StartAsync(Config, ntfy, options: options);
        await AssertRefusedAsync(again, early, HttpStatusCode.Gone, "this button expired at 2026-03-15T09:00:00Z");
        await AssertRefusedAsync(again, late, HttpStatusCode.Conflict, "this button already made silence sil_");
    }

    [Fact]
    public async Task ThePlaygroundShowsTheSameButtonWithAPlaceholderToken()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy);
        await ButtonAsync(bridge, ntfy, 1);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/playground/run")
        {
            Content = JsonContent.Create(new { rule = "failed-login", @event = $"{1:x32}" }),
            Headers = { Authorization = new("Bearer", AdminToken) },
        };
        using var response = await bridge.Client.SendAsync(request);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var action = Assert.Single(Assert.Single(result.GetProperty("messages").EnumerateArray()).GetProperty("actions").EnumerateArray());
        Assert.Equal("Mute 1 h", action.GetProperty("label").GetString());
        Assert.Equal($"https://bridge.example.com/silences/mute?t={MuteToken.Preview}", action.GetProperty("url").GetString());
    }

    private static async Task AssertRefusedAsync(BridgeTestHost bridge, string url, HttpStatusCode status, string detail)
    {
        using var refused = await PressAsync(bridge, url);
        Assert.Equal(status, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(detail, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Posts failed login <paramref name="n"/> and returns the mute button's URL from the notification.</summary>
    private static async Task<string> ButtonAsync(BridgeTestHost bridge, FakeNtfy ntfy, int n)
    {
        await bridge.PostHookAsync("authentik", IncidentCardTests.FailedLogin(n, "10.0.0.1"));
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        // Settled before a test moves the clock, so the send's own timeout cannot fire on it.
        await DeliveryClock.QuietAsync(bridge);
        return message.Json.GetProperty("actions")[0].GetProperty("url").GetString()!;
    }

    /// <summary>Presses the button as the phone does: a POST without any credential, to the path and query of its URL.</summary>
    private static async Task<HttpResponseMessage> PressAsync(BridgeTestHost bridge, string url)
    {
        var target = url.StartsWith("https://", StringComparison.Ordinal) ? new Uri(url).PathAndQuery : url;
        using var phone = new HttpClient { BaseAddress = bridge.Client.BaseAddress };
        return await phone.PostAsync(new Uri(target, UriKind.Relative), null);
    }

    private static async Task<JsonElement> AdminGetAsync(BridgeTestHost bridge, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new("Bearer", AdminToken) } };
        using var response = await bridge.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
