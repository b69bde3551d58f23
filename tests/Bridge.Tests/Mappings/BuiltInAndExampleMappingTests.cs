using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Mappings;
using Bridge.Messages;

namespace Bridge.Tests.Mappings;

/// <summary>The built-in default mapping and the examples in <c>mappings/</c>, run on the sample payloads.</summary>
public sealed class BuiltInAndExampleMappingTests
{
    private static readonly MappingRunner Runner = new(MappingLimitsConfig.Default);
    private static readonly string ExamplesDirectory = Path.Combine(AppContext.BaseDirectory, "mappings");

    private static NtfyMessage RunDefault(BridgeEvent e, MappingContext? ctx = null) => Single(Runner.Run(MappingCatalog.Default, e, ctx ?? MappingTestKit.Ctx));

    private static NtfyMessage RunExample(string file, string fixture, MappingContext? ctx = null)
    {
        var errors = new List<ConfigError>();
        var rule = MappingTestKit.Rule(file);
        var catalog = MappingCatalog.Load(MappingTestKit.ConfigIn(ExamplesDirectory, null, rule), errors);
        Assert.Empty(errors);
        return Single(Runner.Run(catalog, MappingTestKit.Compiled(rule), MappingTestKit.Fixture(fixture), ctx ?? MappingTestKit.Ctx));
    }

    private static NtfyMessage Single(MappingOutcome outcome)
    {
        Assert.Empty(outcome.Errors);
        return Assert.Single(outcome.Messages);
    }

    [Theory]
    [InlineData("event-login-admin.json", "Login: alice.admin", 5, "key", "alice.admin logged in\nIP 5.4.12.34 (Berlin, DE)")]
    [InlineData("event-login-user.json", "Login: bob", 5, "key", "bob logged in\nIP 192.168.1.20")]
    [InlineData("event-model-created.json", "Model created: alice.admin", 3, "heavy_plus_sign", "alice.admin created application 'Grafana'\nIP 10.0.0.15")]
    [InlineData("event-configuration-error.json", "Configuration error: carol", 5, "rotating_light", "Invalid redirect URI used by provider\nIP 192.0.2.44")]
    [InlineData("event-password-set.json", "Password set: bob", 3, "lock", "bob set a new password\nIP 198.51.100.23")]
    [InlineData("default-body-login-failed.json", "Failed login: alice.admin", 4, "warning", "Failed login for alice.admin")]
    [InlineData("event-impersonation-started.json", "Impersonation started: alice.admin", 5, "detective", "alice.admin started impersonating bob\nIP 10.0.0.15")]
    [InlineData("event-impersonation-ended.json", "Impersonation ended: alice.admin", 3, "detective", "alice.admin stopped impersonating\nIP 10.0.0.15")]
    [InlineData("event-authorize-during-impersonation.json", "Authorize application: alice.admin (as bob)", 3, "white_check_mark", "IP 10.0.0.15")]
    public void DefaultMappingMakesAReadableMessageForEverySample(string fixture, string title, int priority, string emoji, string message)
    {
        var e = MappingTestKit.Fixture(fixture);
        var m = RunDefault(e);
        Assert.Equal((title, priority, message), (m.Title, m.Priority, m.Message));
        Assert.Equal([emoji, e.Action!], m.Tags);
        Assert.Equal("alerts", m.Topic);
    }

    [Fact]
    public void DefaultMappingLinksToTheEventInAuthentiksAdminUi()
    {
        var m = RunDefault(MappingTestKit.Fixture("event-login-admin.json"));
        Assert.Equal("https://auth.example.com/if/admin/#/events/log/3f2b9c1d-7e8a-4b6c-9d0e-1f2a3b4c5d6e", m.Click);
        var generated = RunDefault(MappingTestKit.Fixture("default-body-login-failed.json"));
        Assert.Equal("https://auth.example.com/if/admin/#/events/log", generated.Click);
        var bridgeMade = RunDefault(MappingTestKit.Login() with { Id = Guid.CreateVersion7().ToString("N"), IdIsGenerated = true });
        Assert.Equal("https://auth.example.com/if/admin/#/events/log", bridgeMade.Click);
        var noBase = RunDefault(MappingTestKit.Fixture("event-login-admin.json"), MappingTestKit.Ctx with { BaseUrl = null });
        Assert.Null(noBase.Click);
    }

    [Theory]
    [InlineData("notice", 3)]
    [InlineData("warning", 4)]
    [InlineData("alert", 5)]
    [InlineData(null, 3)]
    public void DefaultMappingPriorityFollowsSeverity(string? severity, int priority) =>
        Assert.Equal(priority, RunDefault(MappingTestKit.Login() with { Severity = severity }).Priority);

    [Theory]
    [InlineData("update_available", "arrow_up", "Update available")]
    [InlineData("impersonation_started", "detective", "Impersonation started: alice.admin")]
    [InlineData("suspicious_request", "no_entry", "Suspicious request: alice.admin")]
    [InlineData("model_deleted", "wastebasket", "Model deleted: alice.admin")]
    [InlineData("custom_backup_done", "bell", "Custom backup done")]
    [InlineData("review_started", "clipboard", "Review started: alice.admin")]
    public void DefaultMappingHandlesEveryAction(string action, string emoji, string title)
    {
        var system = action is "update_available" or "custom_backup_done";
        var e = MappingTestKit.Login() with { Action = action, User = system ? null : MappingTestKit.Login().User, Summary = "something happened" };
        var m = RunDefault(e);
        Assert.Equal((emoji, title), (m.Tags![0], m.Title));
        Assert.Contains("something happened", m.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultMappingShowsAPlainJsonWebhookCompactly()
    {
        var raw = JsonDocument.Parse("""{"event": {"type": "backup.done"}, "size": 12}""").RootElement;
        var e = new BridgeEvent("gen-1", "backups", "backup.done", null, null, null, null, null, null, null, null, null, raw, IdIsGenerated: true);
        var m = RunDefault(e, MappingTestKit.Ctx with { Source = "backups" });
        Assert.Equal(("Backup.done", """{"event":{"type":"backup.done"},"size":12}""", 3), (m.Title, m.Message, m.Priority));

        var untitled = RunDefault(e with { Action = null });
        Assert.Equal("Webhook from backups", untitled.Title);
    }

    [Fact]
    public void DefaultMappingBoundsAHugeJsonWebhook()
    {
        var raw = JsonDocument.Parse(JsonSerializer.Serialize(new { blob = new string('x', 50_000) })).RootElement;
        var m = RunDefault(new BridgeEvent("gen-2", "big", null, null, null, null, null, null, null, null, null, null, raw));
        Assert.Equal(1000, m.Message!.Length);
    }

    [Fact]
    public void AdminLoginExampleIsHighPriorityWithUserPlaceBrowserAndAViewAction()
    {
        var m = RunExample("admin-login.js", "event-login-admin.json");
        Assert.Equal(("Admin login: alice.admin", 4), (m.Title, m.Priority));
        Assert.Equal(["key", "admin"], m.Tags);
        Assert.Contains("IP: 5.4.12.34 · Berlin, DE", m.Message, StringComparison.Ordinal);
        Assert.Contains("Browser: Firefox 139 on Linux", m.Message, StringComparison.Ordinal);
        var action = Assert.Single(m.Actions!)!;
        Assert.Equal("view", (string?)action["action"]);
        Assert.Equal("https://auth.example.com/if/admin/#/identity/users/7", (string?)action["url"]);
    }

    [Fact]
    public void AdminLoginExampleOmitsTheActionWithoutABaseUrl() =>
        Assert.Null(RunExample("admin-login.js", "event-login-admin.json", MappingTestKit.Ctx with { BaseUrl = null }).Actions);

    [Fact]
    public void FailedLoginExampleNamesTheAttemptedUser()
    {
        var m = RunExample("failed-login.js", "default-body-login-failed.json");
        // The fixture's Authentik rule says "warning": one step louder than default.
        Assert.Equal(("Failed login: alice.admin", 4), (m.Title, m.Priority));
        Assert.Equal(["warning", "login_failed"], m.Tags);
        Assert.Equal("Someone tried to sign in as alice.admin.", m.Message);
    }

    [Fact]
    public void FailedLoginExamplePrefersTheTypedUsernameAndShowsThePlace()
    {
        var context = JsonDocument.Parse("""{"username": "root", "geo": {"city": "", "country": "US"}, "stage": {"name": "default-authentication-password"}}""").RootElement;
        var e = MappingTestKit.Login() with { Action = "login_failed", Context = context };
        var errors = new List<ConfigError>();
        var rule = MappingTestKit.Rule("failed-login.js");
        var catalog = MappingCatalog.Load(MappingTestKit.ConfigIn(ExamplesDirectory, null, rule), errors);
        var m = Single(Runner.Run(catalog, MappingTestKit.Compiled(rule), e, MappingTestKit.Ctx));
        Assert.Equal("Failed login: root", m.Title);
        Assert.Contains("IP: 5.4.12.34 · US\nStage: default-authentication-password", m.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelChangeExampleNamesTheModelAndObject()
    {
        var m = RunExample("model-change.js", "event-model-created.json");
        Assert.Equal(("Application created: Grafana", 3), (m.Title, m.Priority));
        Assert.Equal(["heavy_plus_sign", "model_created"], m.Tags);
        Assert.Equal("alice.admin created application 'Grafana' from 10.0.0.15.", m.Message);
    }

    [Fact]
    public void ModelChangeExampleShowsTheDiff()
    {
        var e = MappingTestKit.Fixture("event-model-created.json");
        var context = JsonDocument.Parse("""
            {"model": {"app": "authentik_core", "model_name": "user", "name": "bob"},
             "diff": {"is_active": {"previous_value": true, "new_value": false}, "name": {"previous_value": "Bob", "new_value": "Robert"}}}
            """).RootElement;
        var errors = new List<ConfigError>();
        var rule = MappingTestKit.Rule("model-change.js");
        var catalog = MappingCatalog.Load(MappingTestKit.ConfigIn(ExamplesDirectory, null, rule), errors);
        var m = Single(Runner.Run(catalog, MappingTestKit.Compiled(rule), e with { Action = "model_updated", Context = context }, MappingTestKit.Ctx));
        Assert.Equal("User updated: bob", m.Title);
        Assert.EndsWith("• is_active: true → false\n• name: Bob → Robert", m.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationErrorExampleIsUrgentAndNamesTheProvider()
    {
        var m = RunExample("configuration-error.js", "event-configuration-error.json");
        Assert.Equal(("Authentik configuration error", 5), (m.Title, m.Priority));
        Assert.Equal(["rotating_light", "configuration_error"], m.Tags);
        Assert.StartsWith("Invalid redirect URI used by provider\nProvider: Grafana\nRedirect URI: https://grafana.example.com/login/oauth", m.Message, StringComparison.Ordinal);
        Assert.Equal("https://auth.example.com/if/admin/#/events/log/e1e2e3e4-e5e6-4e7e-8e9e-aebecedeeef0", m.Click);
    }

    [Fact]
    public void EveryExampleFileCompiles()
    {
        var files = Directory.GetFiles(ExamplesDirectory, "*.js").Select(Path.GetFileName).ToArray();
        Assert.Equal(["admin-failed-login.js", "admin-login.js", "configuration-error.js", "exception.js", "failed-login.js", "github-push.js", "impersonation.js",
            "model-change.js", "password-set.js", "suspicious-request.js", "transport-test.js", "update-available.js", "uptime-kuma.js"], files.Order());
        var rules = files.Select((f, i) => MappingTestKit.Rule(f, i)).ToArray();
        var errors = new List<ConfigError>();
        var catalog = MappingCatalog.Load(MappingTestKit.ConfigIn(ExamplesDirectory, null, rules), errors);
        Assert.Empty(errors);
        Assert.Equal(files.Length, catalog.Mappings.Count);
    }
}
