using System.Text.Json;
using Bridge.Events;

namespace Bridge.Tests.Events;

public sealed class FullEventBodyTests
{
    [Fact]
    public void AdminLoginIsReadFieldByField()
    {
        var e = Normalize.Fixture("event-login-admin.json");

        Assert.Equal("3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e", e.Id);
        Assert.False(e.IdIsGenerated);
        Assert.Equal("authentik", e.Source);
        Assert.Equal("login", e.Action);
        Assert.Equal("alert", e.Severity);
        Assert.Equal("authentik.events.signals", e.App);
        Assert.Null(e.Model);
        Assert.Equal("5.4.12.34", e.ClientIp);
        Assert.Equal("2026-03-14T09:21:07.412388Z", e.Created);

        var user = Assert.IsType<EventUser>(e.User);
        Assert.Equal("7", user.Pk);
        Assert.Equal("alice.admin", user.Username);
        Assert.Equal("alice.admin@example.com", user.Email);
        Assert.Equal(["authentik Admins", "ops"], user.Groups);
        Assert.True(user.HasGroups);

        var recipient = Assert.IsType<EventUser>(e.Recipient);
        Assert.Equal("12", recipient.Pk);
        Assert.Equal("ops", recipient.Username);
        Assert.False(recipient.HasGroups);

        Assert.Equal("Berlin", e.Context!.Value.GetProperty("geo").GetProperty("city").GetString());
    }

    [Fact]
    public void SummaryOfAnEventWithoutMessageIsTheActionNotThePythonRepr()
    {
        Assert.Equal("login", Normalize.Fixture("event-login-admin.json").Summary);
        Assert.Equal("password_set", Normalize.Fixture("event-password-set.json").Summary);
    }

    [Fact]
    public void SummaryPrefersTheContextMessage()
    {
        var e = Normalize.Fixture("event-configuration-error.json");

        Assert.Equal("configuration_error", e.Action);
        Assert.Equal("Invalid redirect URI used by provider", e.Summary);
    }

    [Fact]
    public void EmptyGroupListIsStillCarried()
    {
        var user = Normalize.Fixture("event-configuration-error.json").User!;

        Assert.Empty(user.Groups);
        Assert.True(user.HasGroups);
    }

    [Theory]
    [InlineData("event-model-created.json", "model_created", "authentik_core.application")]
    [InlineData("event-model-updated-with-diff.json", "model_updated", "authentik_core.user")]
    public void ModelIsAppLabelDotModelName(string fixture, string action, string model)
    {
        var e = Normalize.Fixture(fixture);

        Assert.Equal(action, e.Action);
        Assert.Equal(model, e.Model);
    }

    [Fact]
    public void ModelDiffStaysInTheContext()
    {
        var e = Normalize.Fixture("event-model-updated-with-diff.json");

        Assert.False(e.Context!.Value.GetProperty("diff").GetProperty("is_active").GetProperty("new_value").GetBoolean());
    }

    [Fact]
    public void LoginFailedBelongsToTheAccountThatWasTriedWithItsGroups()
    {
        var e = Normalize.Fixture("event-login-failed.json");

        Assert.Equal("login_failed", e.Action);
        Assert.Equal("warning", e.Severity);
        Assert.Equal(("7", "alice.admin"), (e.User!.Pk, e.User.Username));
        Assert.Equal(["authentik Admins", "ops"], e.User.Groups);
        Assert.Equal("alice.admin", e.Context!.Value.GetProperty("username").GetString());
        Assert.Equal("US", e.Context.Value.GetProperty("geo").GetProperty("country").GetString());
        Assert.Equal("login_failed", e.Summary);
    }

    [Fact]
    public void Ipv6ClientAddressIsKeptAsGiven()
    {
        Assert.Equal("2001:db8:85a3::8a2e:370:7334", Normalize.Fixture("event-login-ipv6.json").ClientIp);
    }

    [Fact]
    public void LoginFailedOnAnUnknownNameIsTheAnonymousUser()
    {
        var e = Normalize.Fixture("event-login-failed-unknown-user.json");

        Assert.Equal("AnonymousUser", e.User!.Username);
        Assert.Null(e.User.Email);
        Assert.True(e.Raw.GetProperty("event").GetProperty("user").GetProperty("is_anonymous").GetBoolean());
        Assert.Equal("root", e.Context!.Value.GetProperty("username").GetString());
    }

    [Theory]
    [InlineData("event-impersonation-started.json", "impersonation_started", "bob")]
    [InlineData("event-authorize-during-impersonation.json", "authorize_application", "bob")]
    [InlineData("event-impersonation-ended.json", "impersonation_ended", null)]
    public void ImpersonationKeepsTheAdministratorAsTheEventsUser(string fixture, string action, string? actingAs)
    {
        var e = Normalize.Fixture(fixture);

        Assert.Equal(action, e.Action);
        Assert.Equal("alice.admin", e.User!.Username);
        Assert.Contains("authentik Admins", e.User.Groups);
        var user = e.Raw.GetProperty("event").GetProperty("user");
        Assert.Equal(actingAs, user.TryGetProperty("on_behalf_of", out var target) ? target.GetProperty("username").GetString() : null);
    }

    [Fact]
    public void SystemEventHasNoUserAndNoClientAddress()
    {
        var e = Normalize.Fixture("event-update-available.json");

        Assert.Equal("update_available", e.Action);
        Assert.Null(e.User);
        Assert.Null(e.ClientIp);
        Assert.Equal("New version 2026.2.1 available!", e.Summary);
        Assert.Equal("ops", e.Recipient!.Username);
        Assert.Equal("https://docs.goauthentik.io/releases/2026.2", e.Context!.Value.GetProperty("changelog").GetString());
        Assert.Equal(JsonValueKind.Null, e.Raw.GetProperty("notification").GetProperty("hyperlink").ValueKind);
        Assert.Equal("fallback", e.Raw.GetProperty("event").GetProperty("brand").GetProperty("domain").GetString());
    }

    [Fact]
    public void UnknownAddressMarkerBecomesNull()
    {
        var e = Normalize.Json("""{"event": {"pk": "a1", "action": "login", "client_ip": "255.255.255.255"}}""");

        Assert.Null(e.ClientIp);
    }

    [Fact]
    public void EventWithoutNotificationUserOrContextIsRead()
    {
        var e = Normalize.Json("""{"event": {"action": "logout"}}""");

        Assert.Equal("logout", e.Action);
        Assert.Null(e.Severity);
        Assert.Null(e.Recipient);
        Assert.Null(e.User);
        Assert.Null(e.Context);
        Assert.Null(e.Model);
        Assert.Null(e.Created);
        Assert.Equal("logout", e.Summary);
        Normalize.AssertGeneratedId(e);
    }

    [Fact]
    public void UserWithoutGroupsKeyHasNoGroups()
    {
        var user = Normalize.Json("""{"event": {"pk": "a1", "action": "login", "user": {"pk": 3, "username": "dan"}}}""").User!;

        Assert.Equal("dan", user.Username);
        Assert.Empty(user.Groups);
        Assert.False(user.HasGroups);
    }

    [Fact]
    public void EventNestedInTheNotificationIsFound()
    {
        var e = Normalize.Json("""{"notification": {"severity": "alert", "body": "x", "event": {"pk": "n1", "action": "secret_view"}}}""");

        Assert.Equal("n1", e.Id);
        Assert.Equal("secret_view", e.Action);
        Assert.Equal("alert", e.Severity);
    }

    [Fact]
    public void RawAndContextOutliveTheCallersDocument()
    {
        var e = Normalize.Fixture("event-login-admin.json");

        // Normalize.Run has disposed the source document by now; reading a non-detached element would throw.
        Assert.Equal("login", e.Raw.GetProperty("event").GetProperty("action").GetString());
        Assert.Equal(JsonValueKind.Object, e.Context!.Value.GetProperty("http_request").ValueKind);
    }
}
