namespace Bridge.Tests.Events;

public sealed class DefaultBodyTests
{
    [Fact]
    public void ActionIsReadFromTheBodyPrefix()
    {
        var e = Normalize.Fixture("default-body-login-failed.json");

        Assert.Equal("login_failed", e.Action);
        Assert.Equal("warning", e.Severity);
        Assert.Equal("login_failed", e.Summary);
        Assert.Null(e.Context);
        Assert.Null(e.ClientIp);
        Assert.Null(e.App);
        Normalize.AssertGeneratedId(e);
    }

    [Fact]
    public void EventUserIsThePersonAndUserIsTheRecipient()
    {
        var e = Normalize.Fixture("default-body-login-failed.json");

        Assert.Equal("alice.admin", e.User!.Username);
        Assert.Equal("alice.admin@example.com", e.User.Email);
        Assert.Null(e.User.Pk);
        Assert.False(e.User.HasGroups);
        Assert.Equal("ops", e.Recipient!.Username);
        Assert.Equal("ops@example.com", e.Recipient.Email);
    }

    [Fact]
    public void ModelIsNotGuessedFromThePythonRepr()
    {
        var e = Normalize.Fixture("default-body-model-created.json");

        Assert.Equal("model_created", e.Action);
        Assert.Null(e.Model);
        Assert.Equal("model_created", e.Summary);
    }

    [Fact]
    public void TransportTestButtonBecomesCustomNotificationTest()
    {
        var e = Normalize.Fixture("default-body-test-notification.json");

        Assert.Equal("custom_notification_test", e.Action);
        Assert.Equal("notice", e.Severity);
        Assert.Equal("Test Notification from transport ntfy-bridge", e.Summary);
        Assert.Null(e.User);
        Assert.Equal("ops", e.Recipient!.Username);
    }

    [Fact]
    public void SystemEventMessageIsTheSummaryAndHasNoUser()
    {
        var e = Normalize.Fixture("default-body-update-available.json");

        Assert.Null(e.Action);
        Assert.Null(e.User);
        Assert.Equal("New version 2026.2.1 available!", e.Summary);
    }

    [Theory]
    [InlineData("Error: disk full", null)]
    [InlineData("error: disk full", null)]
    [InlineData("login: {}", "login")]
    [InlineData("custom_backup2: {'ok': True}", "custom_backup2")]
    [InlineData("Login: {'a': 1}", null)]
    [InlineData("2fa: {'a': 1}", null)]
    [InlineData("model created: {'a': 1}", null)]
    [InlineData("login:{'a': 1}", null)]
    [InlineData("", null)]
    public void OnlyALowerCaseIdentifierBeforeAReprIsAnAction(string body, string? action)
    {
        var e = Normalize.Json($$"""{"body": {{System.Text.Json.JsonSerializer.Serialize(body)}}, "severity": "notice"}""");

        Assert.Equal(action, e.Action);
    }

    [Fact]
    public void OldReleaseBodyWithoutUserKeysIsRead()
    {
        var e = Normalize.Json("""{"body": "logout: {}", "severity": "notice"}""");

        Assert.Equal("logout", e.Action);
        Assert.Null(e.User);
        Assert.Null(e.Recipient);
    }
}
