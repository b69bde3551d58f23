using Bridge.Cli;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Cli;

/// <summary><c>bridge test</c>: test files next to the mappings, run through the real command-line parser.</summary>
public sealed class TestCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public TestCommandTests()
    {
        foreach (var file in Directory.EnumerateFiles(TestPaths.Mappings, "*.js"))
            _dir.Write(Path.Combine("mappings", Path.GetFileName(file)), File.ReadAllText(file));
        _dir.Write("payloads/login-failed.json", File.ReadAllText(TestPaths.AuthentikPayload("event-login-failed.json")));
    }

    public void Dispose()
    {
        _dir.Dispose();
        _out.Dispose();
        _err.Dispose();
    }

    private string Mappings => Path.Combine(_dir.Path, "mappings");

    private string Output => _out.ToString();

    private string WriteTests(string yaml, string name = "cases.yaml") => _dir.Write(Path.Combine("mappings", "tests", name), yaml);

    private int Test(params string[] args) => TestCommand.Run(BridgeCli.Create().Parse(["test", .. args]), _out, _err);

    private const string FailedLoginCase = """
        mapping: failed-login.js
        ctx: { base_url: https://auth.example.com }
        cases:
          - name: names the attempted user and the place
            payload: ../../payloads/login-failed.json
            expect:
              title: "Failed login: alice.admin"
              priority: high
              tags: [warning, login_failed]
              message: { contains: "IP: 167.99.34.12 · US" }
              click: https://auth.example.com/if/admin/#/events/log/8c9d0e1f-2a3b-4c5d-6e7f-8091a2b3c4d5
        """;

    [Fact]
    public void PassingCasesExitZeroWithASummary()
    {
        WriteTests(FailedLoginCase);

        Assert.Equal(0, Test("--mappings", Mappings));

        Assert.Contains("ok    names the attempted user and the place", Output, StringComparison.Ordinal);
        Assert.EndsWith("1 passed, 0 failed" + Environment.NewLine, Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AMismatchExitsOneWithAFieldByFieldDiffAndWhatWasSent()
    {
        WriteTests(FailedLoginCase.Replace("\"Failed login: alice.admin\"", "\"Failed login: root\"", StringComparison.Ordinal)
            .Replace("tags: [warning, login_failed]", "tags: [warning]", StringComparison.Ordinal));

        Assert.Equal(1, Test("--mappings", Mappings));

        Assert.Contains("""
                    title
                      expected  "Failed login: root"
                      actual    "Failed login: alice.admin"
                    tags
                      expected  1 item: ["warning"]
                      actual    ["warning","login_failed"]
            """.ReplaceLineEndings(), Output, StringComparison.Ordinal);
        Assert.Contains("FAIL  names the attempted user and the place  (failed-login.js; line 4)", Output, StringComparison.Ordinal);
        // The whole message is printed, so the expectation can be corrected from it.
        Assert.Contains("\"message\": \"Someone tried to sign in as alice.admin.", Output, StringComparison.Ordinal);
        Assert.EndsWith("0 passed, 1 failed" + Environment.NewLine, Output, StringComparison.Ordinal);
    }

    [Fact]
    public void DroppedPassesWhenTheMappingReturnsNullAndFailsWhenItSendsSomething()
    {
        _dir.Write("mappings/quiet.js", "function map(event) { return event.user && event.user.username === 'bot' ? null : { title: 'hi' }; }");
        WriteTests("""
            mapping: quiet.js
            cases:
              - name: bots are ignored
                payload: { action: login, user: { username: bot } }
                dropped: true
              - name: people are not
                payload: { action: login, user: { username: alice } }
                dropped: true
            """);

        Assert.Equal(1, Test("--mappings", Mappings));

        Assert.Contains("ok    bots are ignored", Output, StringComparison.Ordinal);
        Assert.Contains("FAIL  people are not", Output, StringComparison.Ordinal);
        Assert.Contains("expected  nothing sent (dropped: true)", Output, StringComparison.Ordinal);
        Assert.Contains("1 passed, 1 failed", Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AMappingWithASyntaxErrorFailsItsCasesNamingFileLineAndColumn()
    {
        _dir.Write("mappings/broken.js", "function map(event) {\n  return { title: 'x' \n}\n}}");
        WriteTests("""
            mapping: broken.js
            cases:
              - { name: one, payload: { action: login }, expect: { title: x } }
              - { name: two, payload: { action: login }, dropped: true }
            """);

        Assert.Equal(1, Test("--mappings", Mappings));

        Assert.Matches(@"FAIL  one  \(broken\.js; line 3\)\s+broken\.js:4:2: ", Output);
        Assert.Contains("0 passed, 2 failed", Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ARuntimeErrorIsShownAndCanBeTheExpectation()
    {
        _dir.Write("mappings/throws.js", "function map(event) {\n  throw new Error('no user on ' + event.action);\n}");
        WriteTests("""
            mapping: throws.js
            cases:
              - { name: expected to throw, payload: { action: login }, error: "no user on login" }
              - { name: not expected to, payload: { action: login }, expect: { title: x } }
            """);

        Assert.Equal(1, Test("--mappings", Mappings));

        Assert.Contains("ok    expected to throw", Output, StringComparison.Ordinal);
        Assert.Contains("actual    throws.js:2:9: runtime: no user on login", Output, StringComparison.Ordinal);
        Assert.Contains("nothing was sent", Output, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralMessagesAreComparedInOrderAndLogsCanBeChecked()
    {
        _dir.Write("mappings/two.js", "function map(e) { console.log('splitting', e.action); return [{ title: 'a', priority: 2 }, { title: 'b', topic: 'other' }]; }");
        WriteTests("""
            mapping: two.js
            ctx: { topic: main }
            cases:
              - name: both
                payload: { action: login }
                expect: [{ title: a, topic: main, priority: low }, { title: b, topic: other }]
                logs: [splitting login]
            """);

        Assert.Equal(0, Test("--mappings", Mappings));
    }

    [Fact]
    public void NowFixesTheClockTheMappingSees()
    {
        _dir.Write("mappings/clock.js", "function map(e, ctx) { return { title: ctx.now + ' ' + new Date().toISOString() + ' ' + Date.now() }; }");
        WriteTests("""
            mapping: clock.js
            now: 2026-03-14T09:30:00Z
            cases:
              - { name: fixed, payload: { action: login }, expect: { title: "2026-03-14T09:30:00.000Z 2026-03-14T09:30:00.000Z 1773480600000" } }
            """);

        Assert.Equal(0, Test("--mappings", Mappings));
    }

    [Fact]
    public void WithAConfigCasesRunTheRulesAndSayWhyARuleDidNotMatch()
    {
        var config = _dir.Write("bridge.yaml", EndToEndConfigs.AdminLogin
            .Replace("${NTFY_URL:-}", "", StringComparison.Ordinal).Replace("${NTFY_TOKEN:-}", "", StringComparison.Ordinal)
            .Replace("${HOOK_TOKEN}", "hook", StringComparison.Ordinal));
        File.Copy(TestPaths.AuthentikPayload("event-login-admin.json"), Path.Combine(_dir.Path, "payloads", "login-admin.json"));
        File.Copy(TestPaths.AuthentikPayload("event-login-user.json"), Path.Combine(_dir.Path, "payloads", "login-user.json"));
        WriteTests("""
            cases:
              - name: admins get the admin mapping on gauth
                rule: admin-login
                payload: ../../payloads/login-admin.json
                expect: { title: "Admin login: alice.admin", topic: gauth }
              - name: other users are not reported
                payload: ../../payloads/login-user.json
                dropped: true
              - name: this one is wrong on purpose
                rule: admin-login
                payload: ../../payloads/login-user.json
                expect: { title: "Admin login: bob" }
              - name: all matching rules together
                payload: ../../payloads/login-failed.json
                expect: [{ topic: failures, title: "Failed login: alice.admin" }]
            """);

        Assert.Equal(1, Test("--config", config));

        Assert.Contains("ok    admins get the admin mapping on gauth", Output, StringComparison.Ordinal);
        Assert.Contains("ok    other users are not reported", Output, StringComparison.Ordinal);
        Assert.Contains("ok    all matching rules together", Output, StringComparison.Ordinal);
        Assert.Contains("FAIL  this one is wrong on purpose  (rule admin-login (admin-login.js); line 9)", Output, StringComparison.Ordinal);
        Assert.Contains("actual    nothing: no rule matched (see the note)", Output, StringComparison.Ordinal);
        Assert.Contains("note: rule admin-login did not match: group: user \"bob\" has groups [staff]", Output, StringComparison.Ordinal);
        Assert.Contains("3 passed, 1 failed", Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ADigestCaseRunsAThrottledRulesMappingWithCtxThrottle()
    {
        var config = _dir.Write("bridge.yaml", EndToEndConfigs.AdminLogin
            .Replace("${NTFY_URL:-}", "", StringComparison.Ordinal).Replace("${NTFY_TOKEN:-}", "", StringComparison.Ordinal)
            .Replace("${HOOK_TOKEN}", "hook", StringComparison.Ordinal)
            .Replace("topic: failures", "topic: failures\n    mapping: failed-login.js\n    throttle: { max: 5, per: 10m, by: [context.username] }", StringComparison.Ordinal));
        WriteTests("""
            now: 2026-03-14T09:03:00Z
            cases:
              - name: the digest of a period that held this event
                rule: failed-login
                digest: true
                payload: ../../payloads/login-failed.json
                expect:
                  title: "alice.admin: 1 more failed logins"
                  message: { contains: "alice.admin: 1 more failed logins held by the throttle, 09:00-09:10 UTC from 167.99.34.12." }
              - name: the event's own message, as one under the limit sends it
                rule: failed-login
                payload: ../../payloads/login-failed.json
                expect: { title: "Failed login: alice.admin" }
              - name: a rule without a throttle has no digest
                rule: admin-login
                digest: true
                payload: ../../payloads/login-failed.json
                dropped: true
            """);

        Assert.Equal(1, Test("--config", config));

        Assert.Contains("ok    the digest of a period that held this event", Output, StringComparison.Ordinal);
        Assert.Contains("ok    the event's own message, as one under the limit sends it", Output, StringComparison.Ordinal);
        Assert.Contains("digest: true, but rule admin-login has no throttle", Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ARuleCaseWithoutAConfigSaysWhatIsMissing()
    {
        WriteTests("cases: [{ name: r, rule: admin-login, payload: { action: login }, dropped: true }]");

        Assert.Equal(1, Test("--mappings", Mappings));

        Assert.Contains("no configuration is loaded: give --config", Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TyposAndEmptyCasesAreReportedNotSilentlyPassed()
    {
        WriteTests("""
            mapping: failed-login.js
            cases:
              - name: typo
                payload: { action: login_failed }
                expected: { title: x }
            """);

        Assert.Equal(1, Test("--mappings", Mappings));

        Assert.Contains("line 5: unknown key 'expected'", Output, StringComparison.Ordinal);
        Assert.Contains("says nothing to check", Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNotYamlIsOneFailure()
    {
        WriteTests("cases: [ {", "bad.yaml");
        WriteTests(FailedLoginCase, "good.yaml");

        Assert.Equal(1, Test("--mappings", Mappings));

        Assert.Contains("not valid YAML", Output, StringComparison.Ordinal);
        Assert.Contains("1 passed, 1 failed", Output, StringComparison.Ordinal);
    }

    [Fact]
    public void APayloadTheBridgeWouldRefuseSaysWithWhichStatus()
    {
        WriteTests("""
            mapping: failed-login.js
            cases:
              - { name: not an event, payload: { hello: world }, dropped: true }
              - { name: missing file, payload: nowhere.json, dropped: true }
            """);

        Assert.Equal(1, Test("--mappings", Mappings));

        Assert.Contains("the payload would be refused with 422", Output, StringComparison.Ordinal);
        Assert.Contains("cannot read the payload", Output, StringComparison.Ordinal);
    }

    [Fact]
    public void FilterRunsOnlyTheNamedCasesAndPathsPickTheFiles()
    {
        var file = WriteTests(FailedLoginCase + "\n  - { name: other, payload: { action: login_failed }, error: never }\n");

        Assert.Equal(0, Test("--mappings", Mappings, "--filter", "PLACE", file));

        Assert.Contains("1 passed, 0 failed", Output, StringComparison.Ordinal);
    }

    [Fact]
    public void NoTestFilesIsAnErrorThatSaysWhereItLooked()
    {
        Assert.Equal(1, Test("--mappings", Mappings));

        Assert.Contains("no test files", _err.ToString(), StringComparison.Ordinal);
    }
}
