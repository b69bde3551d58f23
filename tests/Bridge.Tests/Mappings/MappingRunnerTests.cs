using Bridge.Configuration;
using Bridge.Mappings;

namespace Bridge.Tests.Mappings;

public sealed class MappingRunnerTests : IDisposable
{
    private readonly MappingTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    [Fact]
    public void MappingReturningOneObjectSendsOneMessageOnTheRuleTopic()
    {
        var outcome = _kit.Run("function map(event, ctx) { return { title: `Login: ${event.user.username}`, priority: 'high' }; }");
        var message = Assert.Single(outcome.Messages);
        Assert.Equal(("alerts", "Login: alice.admin", 4), (message.Topic, message.Title, message.Priority));
        Assert.Empty(outcome.Errors);
    }

    [Fact]
    public void MappingSeesTheEventAndContextAsPlainJson()
    {
        var outcome = _kit.Run("""
            function map(event, ctx) {
              return { title: [event.id, event.action, event.client_ip, event.context.geo.city, event.user.groups[0],
                               ctx.rule, ctx.topic, ctx.destination, ctx.source, ctx.base_url, typeof event.raw].join('|') };
            }
            """);
        Assert.Equal("3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e|login|5.4.12.34|Berlin|authentik Admins|test-rule|alerts|ntfy|authentik|https://auth.example.com/|object",
            Assert.Single(outcome.Messages).Title);
    }

    [Fact]
    public void NonAsciiTextSurvivesTheTripThroughTheEngine()
    {
        var outcome = _kit.Run("function map(e) { return { title: e.user.username + ' 🔐' }; }", MappingTestKit.Login("jürgen"));
        Assert.Equal("jürgen 🔐", Assert.Single(outcome.Messages).Title);
    }

    [Fact]
    public void MappingReturningAnArraySendsEachMessage()
    {
        var outcome = _kit.Run("function map(e) { return [{ title: 'a' }, null, { title: 'b', topic: 'other' }]; }");
        Assert.Equal([("alerts", "a"), ("other", "b")], outcome.Messages.Select(m => (m.Topic, m.Title!)));
    }

    [Theory]
    [InlineData("return null;")]
    [InlineData("return undefined;")]
    [InlineData("")]
    public void MappingReturningNothingDropsTheEvent(string body)
    {
        var outcome = _kit.Run($"function map(e) {{ {body} }}");
        Assert.True(outcome.Dropped);
    }

    [Fact]
    public void OneInvalidMessageOfTwoIsReportedAndTheOtherIsSent()
    {
        var outcome = _kit.Run("function map(e) { return [{ title: 'ok' }, { title: 'bad', priority: 9 }]; }");
        Assert.Equal("ok", Assert.Single(outcome.Messages).Title);
        var error = Assert.Single(outcome.Errors);
        Assert.Equal((MappingError.InvalidMessage, "[1].priority"), (error.Kind, error.Field));
    }

    [Fact]
    public void InvalidSingleMessageNamesTheFieldWithoutAnIndex()
    {
        var error = Assert.Single(_kit.Run("function map(e) { return { titel: 'x' }; }").Errors);
        Assert.Equal("titel", error.Field);
    }

    [Theory]
    [InlineData("return 'text';")]
    [InlineData("return 42;")]
    [InlineData("return () => 1;")]
    public void NonObjectResultIsAnInvalidMessage(string body)
    {
        var error = Assert.Single(_kit.Run($"function map(e) {{ {body} }}").Errors);
        Assert.Equal(MappingError.InvalidMessage, error.Kind);
        Assert.Contains("a message must be an object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MoreThanTenMessagesAreCappedAndReported()
    {
        var outcome = _kit.Run("function map(e) { return Array.from({ length: 250 }, (_, i) => ({ title: 't' + i })); }");
        Assert.Equal(MappingRunner.MaxMessagesPerRun, outcome.Messages.Count);
        Assert.Contains("returned 250 messages", Assert.Single(outcome.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConsoleOutputIsCapturedLikeABrowserPrintsIt()
    {
        var outcome = _kit.Run("""
            function map(e) {
              console.log('user', e.user.username, 42, null, undefined);
              console.info({ a: [1, 'x'] });
              console.warn('careful');
              console.error(new TypeError('bad'));
              return null;
            }
            """);
        Assert.Equal(["user alice.admin 42 null undefined", """{"a":[1,"x"]}""", "warn: careful", "error: TypeError: bad"], outcome.Logs);
    }

    [Fact]
    public void ConsoleOutputIsBoundedInLinesAndLength()
    {
        var outcome = _kit.Run("function map(e) { for (let i = 0; i < 150; i++) console.log('x'.repeat(5000)); return null; }");
        Assert.Equal(MappingConsole.MaxLines + 1, outcome.Logs.Count);
        Assert.EndsWith("…(truncated)", outcome.Logs[0], StringComparison.Ordinal);
        Assert.Equal("… 50 more console lines truncated", outcome.Logs[^1]);
    }

    [Theory]
    // The sandbox inserts guards in front of template substitutions, for…in and spreads: positions after them on the
    // same line, and on later lines, are still the mapping's own.
    [InlineData("function map(e) {\n  const t = `${e.action}${`${1}`}`, o = { ...e }; for (const k in o) {}\n  return { title: t + null.x };\n}", 3, 28)]
    [InlineData("function map(e) { const t = `${e.action}`; return { ...e, title: `${t}` + null.x }; }", 1, 80)]
    [InlineData("function map(e) { const t = `${e.action}${null.x}`; }", 1, 48)]
    public void RuntimeErrorPositionsStayTheSourcesOwnWhereTheSandboxInsertedGuards(string source, int line, int column)
    {
        var (catalog, rule) = _kit.Load(source);
        var error = Assert.Single(new MappingRunner(MappingLimitsConfig.Default).Run(catalog, rule, MappingTestKit.Login(), MappingTestKit.Ctx).Errors);
        Assert.Equal((MappingError.Runtime, line, column), (error.Kind, error.Line, error.Column));
    }

    [Fact]
    public void RuntimeErrorNamesTheMappingLineAndMessage()
    {
        var (catalog, rule) = _kit.Load("function map(event) {\n  const user = null;\n  return { title: user.name };\n}");
        var outcome = new MappingRunner(MappingLimitsConfig.Default).Run(catalog, rule, MappingTestKit.Login(), MappingTestKit.Ctx);
        var error = Assert.Single(outcome.Errors);
        Assert.Equal((rule.Config.Mapping, MappingError.Runtime, 3, 24), (error.Mapping, error.Kind, error.Line, error.Column));
        Assert.Contains("Cannot read properties of null", error.Message, StringComparison.Ordinal);
        Assert.Empty(outcome.Messages);
    }

    [Fact]
    public void LogsPrintedBeforeAnErrorAreKept()
    {
        var outcome = _kit.Run("function map(e) { console.log('before'); throw new Error('boom'); }");
        Assert.Equal(["before"], outcome.Logs);
        Assert.Equal("boom", Assert.Single(outcome.Errors).Message);
    }

    [Fact]
    public void EachRunStartsFromACleanWorld()
    {
        var (catalog, rule) = _kit.Load("""
            let counter = 0;
            function map(e) {
              counter++;
              const seen = [typeof globalThis.leaked, typeof ({}).polluted, typeof String.prototype.shout, counter].join(',');
              globalThis.leaked = 1;
              Object.prototype.polluted = 1;
              String.prototype.shout = function () { return 'x'; };
              JSON.stringify = () => 'hijacked';
              return { title: seen };
            }
            """);
        var runner = new MappingRunner(MappingLimitsConfig.Default);
        var first = runner.Run(catalog, rule, MappingTestKit.Login(), MappingTestKit.Ctx);
        var second = runner.Run(catalog, rule, MappingTestKit.Login(), MappingTestKit.Ctx);
        Assert.Equal("undefined,undefined,undefined,1", Assert.Single(first.Messages).Title);
        Assert.Equal("undefined,undefined,undefined,1", Assert.Single(second.Messages).Title);
    }

    [Fact]
    public void RuleWhoseMappingDidNotLoadReportsItInsteadOfThrowing()
    {
        var errors = new List<ConfigError>();
        var rule = MappingTestKit.Rule("missing.js");
        var catalog = MappingCatalog.Load(_kit.Config(null, rule), errors);
        var outcome = new MappingRunner(MappingLimitsConfig.Default).Run(catalog, MappingTestKit.Compiled(rule), MappingTestKit.Login(), MappingTestKit.Ctx);
        Assert.Equal(("missing.js", MappingError.Runtime), (outcome.Errors[0].Mapping, outcome.Errors[0].Kind));
    }

    [Fact]
    public void GettersAndToJsonInTheResultAreEvaluated()
    {
        var outcome = _kit.Run("function map(e) { return { get title() { return 'got'; }, message: { toJSON() { return 'json'; } } }; }");
        var message = Assert.Single(outcome.Messages);
        Assert.Equal(("got", "json"), (message.Title, message.Message));
    }
}
