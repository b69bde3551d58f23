using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bridge.Tests.Support;

namespace Bridge.Tests.Events;

/// <summary>The body of a transport in Slack mode, which ignores Authentik's property mappings.</summary>
public sealed class SlackBodyTests
{
    [Fact]
    public void ActionComesFromTheTitleUsersAndSeverityFromTheFields()
    {
        var e = Normalize.Fixture("slack-login-failed.json");

        Assert.Equal("login_failed", e.Action);
        Assert.Equal("warning", e.Severity);
        Assert.Equal("alice.admin", e.User!.Username);
        Assert.False(e.User.HasGroups);
        Assert.Equal("ops", e.Recipient!.Username);
        Assert.Equal("alice.admin", e.Context!.Value.GetProperty("username").GetString());
        Assert.Equal("login_failed", e.Summary);
        Assert.Null(e.ClientIp);
        Normalize.AssertGeneratedId(e);
    }

    [Fact]
    public void ASystemEventHasNoEventUserAndItsMessageIsTheSummary()
    {
        var e = Normalize.Fixture("slack-update-available.json");

        Assert.Equal("update_available", e.Action);
        Assert.Null(e.User);
        Assert.Equal("New version 2026.2.1 available!", e.Summary);
        Assert.Equal("2026.2.1", e.Context!.Value.GetProperty("new_version").GetString());
    }

    [Theory]
    [InlineData("Test Notification from transport chat", "custom_notification_test", "Test Notification from transport chat")]
    [InlineData("login: {'auth_method': 'password'}", "login", "login")]
    [InlineData("Backup finished", null, "Backup finished")]
    public void ATitleThatIsTheNotificationBodyIsReadLikeTheDefaultBody(string title, string? action, string summary)
    {
        var body = JsonSerializer.Serialize(new { attachments = new[] { new { title, fields = new[] { new { title = "Severity", value = "alert" } } } } });

        var e = Normalize.Json(body);

        Assert.Equal((action, summary, "alert"), (e.Action, e.Summary, e.Severity));
    }

    [Fact]
    public void NoneForAUserMeansNobody()
    {
        var e = Normalize.Json("""{"attachments": [{"title": "login", "fields": [{"title": "Event user", "value": "None"}]}]}""");

        Assert.Null(e.User);
    }

    [Fact]
    public void AnAttachmentsListOfNonObjectsIsNoSlackBody()
    {
        var result = Normalize.Run("""{"attachments": ["x"]}""");

        Assert.Null(result.Event);
        Assert.Contains("Slack mode", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlackModeByQueryTokenIsAcceptedAndMappedToAReadableMessage()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync("""
            destinations:
              ntfy: { url: "${NTFY_URL}", token: "${NTFY_TOKEN}" }
            sources:
              authentik: { format: authentik, token: "${HOOK_TOKEN}" }
            rules:
              - { name: failed-login, source: authentik, match: { action: login_failed }, mapping: failed-login.js, topic: authentik }
            """, ntfy);
        var body = TestPaths.ReadAuthentikPayload("slack-login-failed.json");

        using var withoutToken = await bridge.PostRawAsync("/hooks/authentik", body, ("Content-Type", "application/json"));
        using var response = await bridge.PostRawAsync($"/hooks/authentik?token={BridgeTestHost.HookToken}", body, ("Content-Type", "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("login_failed", answer.GetProperty("action").GetString());
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal(("Failed login: alice.admin", "Someone tried to sign in as alice.admin.", 4),
            (message.Text("title"), message.Text("message"), message.Json.GetProperty("priority").GetInt32()));
    }
}
