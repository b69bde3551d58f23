using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
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
    public void TheEventIsWhatJsonParseMakesOfItsJson()
    {
        // The event object is built from the event's fields and JSON elements directly, not from JSON text: it must be
        // the same values, keys, key order and prototypes that JSON.parse gives, "__proto__" and index-like keys included.
        var raw = JsonDocument.Parse("""{"b":1.50,"1":[true,null,-0,"é\u2028"],"__proto__":{"polluted":1},"a":{"0":"x","z":[]}}""").RootElement;
        var e = MappingTestKit.Login() with { Raw = raw, Context = raw };
        var ctx = MappingTestKit.Ctx with { Now = DateTimeOffset.Parse("2026-03-14T09:30:00Z", System.Globalization.CultureInfo.InvariantCulture) };
        var outcome = _kit.Run("""
            function map(event, ctx) {
              const proto = Object.getPrototypeOf(event.raw) === Object.prototype && ({}).polluted === undefined;
              return { message: JSON.stringify(event), title: String(proto) + Object.keys(event.raw).join() + '|' + JSON.stringify(ctx) };
            }
            """, e, ctx: ctx);
        using var engine = new Jint.Engine();
        var json = System.Text.Encoding.UTF8.GetString(EventJson.ToUtf8(e));
        var expected = engine.Evaluate($"JSON.stringify(JSON.parse({JsonSerializer.Serialize(json)}))").ToString();
        var message = Assert.Single(outcome.Messages);
        Assert.Equal("""true1,b,__proto__,a|{"rule":"test-rule","topic":"alerts","destination":"ntfy","source":"authentik","base_url":"https://auth.example.com/","public_url":null,"now":"2026-03-14T09:30:00.000Z","group":null,"mute":null,"throttle":null}""", message.Title);
        Assert.Equal(expected, message.Message);
    }

    // The body's objects are filled in the first time a script looks at them (LazyJsonObject): whatever that first look
    // is, the object must answer as the one JSON.parse makes, and so must every look after it.
    [Theory]
    [InlineData("Object.keys(o).join() + Object.keys(o.a).join()")]
    [InlineData("('b' in o) + ',' + ('zz' in o) + ',' + ('0' in o.a)")]
    [InlineData("o.hasOwnProperty('__proto__') + ',' + Object.hasOwn(o.a, 'z')")]
    [InlineData("JSON.stringify(Object.getOwnPropertyDescriptor(o, 'b')) + JSON.stringify(Object.getOwnPropertyNames(o))")]
    [InlineData("(o.x = 1, o.b = 2, Object.keys(o).join() + JSON.stringify(o))")]
    [InlineData("(delete o.b, delete o.nope, JSON.stringify(o))")]
    [InlineData("(Object.defineProperty(o, 'n', { value: 3, enumerable: true }), JSON.stringify(o))")]
    [InlineData("(Object.freeze(o.a), Object.isFrozen(o.a) + ',' + Object.isExtensible(o) + JSON.stringify(o))")]
    [InlineData("(Object.preventExtensions(o), Object.isExtensible(o) + JSON.stringify(o))")]
    [InlineData("JSON.stringify({ ...o }) + JSON.stringify(Object.assign({}, o.a))")]
    [InlineData("(() => { const k = []; for (const p in o) k.push(p); return k.join(); })()")]
    [InlineData("JSON.stringify(Object.entries(o)) + JSON.stringify(Object.values(o.a))")]
    [InlineData("(() => { const { b, ...rest } = o; return b + JSON.stringify(rest); })()")]
    [InlineData("typeof o + Object.prototype.toString.call(o) + (Object.getPrototypeOf(o.a) === Object.prototype)")]
    [InlineData("JSON.stringify(o['1']) + o['1'].length + JSON.stringify(o.a.z)")]
    [InlineData("JSON.stringify(o.__proto__) + ({}).polluted")]
    public void TheBodyAnswersAsJsonParseMakesItWhateverTouchesItFirst(string expression)
    {
        const string body = """{"b":1.50,"1":[true,null,{"deep":{"x":1}},"é"],"__proto__":{"polluted":1},"a":{"0":"x","z":[]},"b":7}""";
        var e = MappingTestKit.Login() with { Raw = JsonDocument.Parse(body).RootElement };
        var outcome = _kit.Run($"function map(event) {{ const o = event.raw; return {{ message: String({expression}) }}; }}", e);
        using var engine = new Jint.Engine(options => options.Strict = true);
        var expected = engine.Evaluate($"(() => {{ const o = JSON.parse({JsonSerializer.Serialize(body)}); return String({expression}); }})()").ToString();
        Assert.Empty(outcome.Errors);
        Assert.Equal(expected, Assert.Single(outcome.Messages).Message);
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
    public void EverythingARunCanReachIsFrozen()
    {
        // The lockdown's walk, done again from inside a run: from the global object and the prototypes only an instance
        // leads to (the instances themselves are the run's own), over every prototype, property and accessor. Every object found must be frozen, or a run could leave
        // something on it for the next.
        var outcome = _kit.Run("""
            function map() {
              const roots = [globalThis, [][Symbol.iterator](), new Map().entries(), new Set().values(), ''[Symbol.iterator](),
                /x/g[Symbol.matchAll](''), [].values().map(x => x), function* () {}, async function () {}, async function* () {},
                Promise.resolve(), new Intl.Segmenter().segment('')].map((r, i) => i === 0 ? r : Object.getPrototypeOf(r));
              const seen = new Set();
              const open = [];
              const todo = [...roots];
              while (todo.length > 0) {
                const o = todo.pop();
                if ((typeof o !== 'object' && typeof o !== 'function') || o === null || seen.has(o)) continue;
                seen.add(o);
                if (!Object.isFrozen(o)) open.push(String(o[Symbol.toStringTag] || o.name || typeof o));
                todo.push(Object.getPrototypeOf(o));
                for (const key of Reflect.ownKeys(o)) {
                  const d = Object.getOwnPropertyDescriptor(o, key);
                  if ('value' in d) todo.push(d.value); else todo.push(d.get, d.set);
                }
              }
              return { title: String(seen.size), message: open.join() || 'none' };
            }
            """, limits: MappingLimitsConfig.Default with { MaxStatements = 10_000_000, Timeout = TimeSpan.FromSeconds(60) });
        Assert.Empty(outcome.Errors);
        var message = Assert.Single(outcome.Messages);
        Assert.True(int.Parse(message.Title!, System.Globalization.CultureInfo.InvariantCulture) > 900, message.Title);
        Assert.Equal("none", message.Message);
    }

    [Fact]
    public void EachRunStartsFromACleanWorld()
    {
        // Runs share locked-down engines: every attempt to change what the next run sees either throws or stays in
        // this run's own objects. The second run (on the same pooled engine) must find everything as it was.
        var (catalog, rule) = _kit.Load("""
            let counter = 0;
            function map(e) {
              counter++;
              const seen = [typeof globalThis.leaked, typeof ({}).polluted, typeof String.prototype.shout, JSON.stringify({ a: 1 }),
                typeof [].last, typeof bridge.leaked, String(RegExp.$1), typeof console.leaked, typeof [].values().leaked,
                typeof (function* () {})().leaked, typeof Error.prototype.leaked, counter].join(',');
              const attempts = [
                () => { globalThis.leaked = 1; },
                () => { Object.prototype.polluted = 1; },
                () => { String.prototype.shout = function () { return 'x'; }; },
                () => { JSON.stringify = () => 'hijacked'; },
                () => { Object.defineProperty(Array.prototype, 'last', { get() { return 1; } }); },
                () => { bridge.leaked = 1; },
                () => { console.leaked = 1; },
                () => { Object.getPrototypeOf([].values()).leaked = 1; },
                () => { Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())).leaked = 1; },
                () => { Error.prototype.leaked = 1; },
                () => { Object.setPrototypeOf(Object.prototype, { polluted: 1 }); },
              ];
              const thrown = attempts.filter(a => { try { a(); return false; } catch (err) { return err instanceof TypeError; } }).length;
              /secret-(\w+)/.exec('secret-' + e.user.username);
              Promise.resolve().then(() => console.log('late ' + e.user.username));
              return { title: seen, message: String(thrown) };
            }
            """);
        var runner = new MappingRunner(MappingLimitsConfig.Default with { MaxConcurrency = 1 });
        var first = runner.Run(catalog, rule, MappingTestKit.Login(), MappingTestKit.Ctx);
        var second = runner.Run(catalog, rule, MappingTestKit.Login("bob"), MappingTestKit.Ctx);
        const string clean = "undefined,undefined,undefined,{\"a\":1},undefined,undefined,undefined,undefined,undefined,undefined,undefined,1";
        Assert.Equal((clean, "11"), (Assert.Single(first.Messages).Title, Assert.Single(first.Messages).Message));
        Assert.Equal(clean, Assert.Single(second.Messages).Title);
        Assert.DoesNotContain(second.Logs, l => l.Contains("alice", StringComparison.Ordinal));
    }

    [Fact]
    public void AssigningOverAnInheritedBuiltInStillWorks()
    {
        // With the prototypes frozen, `o.toString = f` would throw (the "override mistake"); the sandbox keeps it working.
        var outcome = _kit.Run("""
            function map() {
              const o = {}; o.toString = () => 'mine'; o.constructor = 'c';
              const e = new Error('m'); e.name = 'Custom';
              return { title: String(o) + o.constructor + String(e) + Object.keys(o).join() + Object.assign({}, { valueOf: 1 }).valueOf };
            }
            """);
        Assert.Empty(outcome.Errors);
        Assert.Equal("minecCustom: mtoString,constructor1", Assert.Single(outcome.Messages).Title);
    }

    [Fact]
    public void AMappingThatFailedDoesNotLeaveItsStateForTheNextRun()
    {
        var (catalog, rule) = _kit.Load("""
            let runs = 0;
            function map(e) { runs++; if (e.action === 'login') throw new Error('boom ' + runs); return { title: String(runs) }; }
            """);
        var runner = new MappingRunner(MappingLimitsConfig.Default with { MaxConcurrency = 1 });
        var failed = runner.Run(catalog, rule, MappingTestKit.Login(), MappingTestKit.Ctx);
        var next = runner.Run(catalog, rule, MappingTestKit.Login() with { Action = "logout" }, MappingTestKit.Ctx);
        Assert.Contains("boom 1", Assert.Single(failed.Errors).Message, StringComparison.Ordinal);
        Assert.Equal("1", Assert.Single(next.Messages).Title);
    }

    [Fact]
    public void MappingsSharingAnEngineOneAfterAnotherDoNotSeeEachOther()
    {
        var (catalog, first) = _kit.Load("var shared = 'first'; function map() { return { title: typeof other + ',' + shared }; }");
        var (catalog2, second) = _kit.Load("var other = 1; function map() { return { title: typeof shared }; }");
        var runner = new MappingRunner(MappingLimitsConfig.Default with { MaxConcurrency = 1 });
        Assert.Equal("undefined,first", Assert.Single(runner.Run(catalog, first, MappingTestKit.Login(), MappingTestKit.Ctx).Messages).Title);
        Assert.Equal("undefined", Assert.Single(runner.Run(catalog2, second, MappingTestKit.Login(), MappingTestKit.Ctx).Messages).Title);
        Assert.Equal("undefined,first", Assert.Single(runner.Run(catalog, first, MappingTestKit.Login(), MappingTestKit.Ctx).Messages).Title);
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
