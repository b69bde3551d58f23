using Bridge.Cli;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Cli;

/// <summary><c>bridge check</c> and <c>bridge try</c>, run through the real command-line parser.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose()
    {
        _dir.Dispose();
        _out.Dispose();
        _err.Dispose();
    }

    private string WriteConfig(string yaml)
    {
        foreach (var file in Directory.EnumerateFiles(TestPaths.Mappings)) _dir.Write(Path.Combine("mappings", Path.GetFileName(file)), File.ReadAllText(file));
        // The test configs take secrets from variables; here they are written inline.
        return _dir.Write("bridge.yaml", yaml
            .Replace("${NTFY_URL:-}", "", StringComparison.Ordinal)
            .Replace("${NTFY_TOKEN:-}", "tk_cli", StringComparison.Ordinal)
            .Replace("${HOOK_TOKEN}", "hook", StringComparison.Ordinal));
    }

    private int Check(params string[] args) => CheckCommand.Run(BridgeCli.Create().Parse(["check", .. args]), _out, _err);

    private int Try(params string[] args) => TryCommand.Run(BridgeCli.Create().Parse(["try", .. args]), _out, _err);

    [Fact]
    public void CheckAcceptsAValidConfigAndSummarisesIt()
    {
        var config = WriteConfig(EndToEndConfigs.AdminLogin);

        Assert.Equal(0, Check("--config", config));

        var text = _out.ToString();
        Assert.Contains("ok:", text, StringComparison.Ordinal);
        Assert.Contains("POST /hooks/authentik", text, StringComparison.Ordinal);
        Assert.Contains("dry-run", text, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckListsEveryProblemAndExitsOne()
    {
        var config = WriteConfig(EndToEndConfigs.AdminLogin
            .Replace("mapping: admin-login.js", "mapping: missing.js", StringComparison.Ordinal)
            .Replace("match: { action: login_failed }", "match: { action: login_failed, client_ip: 10.0.0.300/8 }", StringComparison.Ordinal));

        Assert.Equal(1, Check("--config", config));

        var errors = _err.ToString();
        Assert.Contains("2 problems", errors, StringComparison.Ordinal);
        Assert.Contains("rules[0].mapping", errors, StringComparison.Ordinal);
        Assert.Contains("missing.js", errors, StringComparison.Ordinal);
        Assert.Contains("rules[1].match.client_ip", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckReportsAMappingSyntaxErrorWithFileLineAndColumn()
    {
        var config = WriteConfig(EndToEndConfigs.AdminLogin);
        _dir.Write("mappings/admin-login.js", "function map(event, ctx) {\n  return { title: 'x' \n}\n}}");

        Assert.Equal(1, Check("--config", config));

        Assert.Matches(@"admin-login\.js:\d+:\d+", _err.ToString());
    }

    [Fact]
    public void TryWithAConfigShowsVerdictsAndTheExactNtfyJson()
    {
        var config = WriteConfig(EndToEndConfigs.AdminLogin);

        Assert.Equal(0, Try("--config", config, TestPaths.AuthentikPayload("event-login-admin.json")));

        var text = _out.ToString();
        Assert.Contains("\"action\": \"login\"", text, StringComparison.Ordinal);
        Assert.Contains("matched      admin-login", text, StringComparison.Ordinal);
        Assert.Contains("not matched  failed-login: action", text, StringComparison.Ordinal);
        Assert.Contains("\"topic\": \"gauth\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TryShowsAThrottledRulesDigestAndTheCtxThrottleItGets()
    {
        var config = WriteConfig(EndToEndConfigs.AdminLogin.Replace("topic: failures",
            "topic: failures\n    throttle: { max: 5, per: 10m, by: [user.username] }", StringComparison.Ordinal));

        Assert.Equal(0, Try("--config", config, TestPaths.AuthentikPayload("event-login-failed.json")));

        var text = _out.ToString();
        Assert.Contains("== Rule failed-login: its digest, when a period ends that held this event after 5 passed (ctx.throttle)", text, StringComparison.Ordinal);
        Assert.Contains("\"held\": 1", text, StringComparison.Ordinal);
        Assert.Contains("\"user.username\": \"alice.admin\"", text, StringComparison.Ordinal);
        Assert.Contains("\"title\": \"Failed login: alice.admin (+1 held)\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TryWithAMappingFileNeedsNoConfig()
    {
        Assert.Equal(0, Try("--mapping", Path.Combine(TestPaths.Mappings, "admin-login.js"), "--topic", "phone", TestPaths.AuthentikPayload("event-login-admin.json")));

        var text = _out.ToString();
        Assert.Contains("\"topic\": \"phone\"", text, StringComparison.Ordinal);
        Assert.Contains("alice.admin", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TryWithAMappingFileReadsAGenericWebhookWithFormatJson()
    {
        Assert.Equal(0, Try("--mapping", Path.Combine(TestPaths.Mappings, "github-push.js"), "--format", "json", "--source", "github",
            Path.Combine(TestPaths.Samples, "payloads", "github", "push.json")));

        Assert.Contains("\"title\": \"acme/api: 2 commits to main\"", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TryOnARuleThatDoesNotMatchSaysWhyAndShowsItsOutputAnyway()
    {
        var config = WriteConfig(EndToEndConfigs.AdminLogin);

        Assert.Equal(0, Try("--config", config, "--rule", "admin-login", TestPaths.AuthentikPayload("event-login-user.json")));

        var text = _out.ToString();
        Assert.Contains("this rule does not match the event: group", text, StringComparison.Ordinal);
        Assert.Contains("\"topic\": \"gauth\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TryWithAPayloadThatIsNotJsonSaysWhatTheBridgeWouldAnswer()
    {
        var config = WriteConfig(EndToEndConfigs.AdminLogin);
        var payload = _dir.Write("bad.json", "[1,2]");

        Assert.Equal(1, Try("--config", config, payload));

        Assert.Contains("would answer 400", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TryNamingAnUnknownRuleListsTheRules()
    {
        var config = WriteConfig(EndToEndConfigs.AdminLogin);

        Assert.Equal(1, Try("--config", config, "--rule", "nope", TestPaths.AuthentikPayload("event-login-admin.json")));

        Assert.Contains("admin-login, failed-login", _err.ToString(), StringComparison.Ordinal);
    }
}
