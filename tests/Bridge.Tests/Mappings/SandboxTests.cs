using Bridge.Configuration;
using Bridge.Mappings;

namespace Bridge.Tests.Mappings;

/// <summary>Each limit with a script that would succeed, hang or take the process down without it.</summary>
public sealed class SandboxTests : IDisposable
{
    // Generous statements so the timeout, memory and guards are what stops these scripts; a timeout long enough that
    // a loaded machine does not turn a memory or guard failure into a timeout.
    private static readonly MappingLimitsConfig Roomy = MappingLimitsConfig.Default with { Timeout = TimeSpan.FromSeconds(5), MaxStatements = 50_000_000 };

    // For the scripts that the timeout itself must stop.
    private static readonly MappingLimitsConfig Hasty = Roomy with { Timeout = TimeSpan.FromMilliseconds(300) };

    private readonly MappingTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private MappingError Fails(string body, MappingLimitsConfig? limits = null)
    {
        var outcome = _kit.Run($"function map(event, ctx) {{\n{body}\n}}", limits: limits ?? Roomy);
        Assert.Empty(outcome.Messages);
        return Assert.Single(outcome.Errors);
    }

    private void FailsWithLimit(string body, string expected, MappingLimitsConfig? limits = null)
    {
        var error = Fails(body, limits);
        Assert.Equal(MappingError.Limit, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMemoryLimitTooSmallForTheSandboxItselfIsALimitErrorNotACrash()
    {
        // The pooled sandbox's lockdown runs under the run's memory limit; below what it needs, every run says so.
        var limits = MappingLimitsConfig.Default with { MemoryBytes = 64 * 1024 };
        var mapping = MappingCompiler.Compile("tiny.js", null, "function map() { return { title: 'x' }; }", MappingLimitsConfig.Default, out var error);
        Assert.Null(error);
        var outcome = new MappingRunner(limits).Run(mapping!, MappingTestKit.Login(), MappingTestKit.Ctx);
        var failure = Assert.Single(outcome.Errors);
        Assert.Equal(MappingError.Limit, failure.Kind);
        Assert.StartsWith("memory: 65536 bytes is less than the sandbox itself needs", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EndlessLoopStopsAtTheTimeout() => FailsWithLimit("while (true) {}", "timeout: ran longer than 300 ms", Hasty);

    [Fact]
    public void StatementLimitStopsALongLoop() =>
        FailsWithLimit("let n = 0; for (let i = 0; i < 10000; i++) n += i; return { title: String(n) };", "statements: ran more than 1000",
            MappingLimitsConfig.Default with { MaxStatements = 1000 });

    [Fact]
    public void MemoryLimitStopsAnAllocationBomb() =>
        FailsWithLimit("const a = []; for (let i = 0; i < 90000; i++) a.push({ s: 'x'.repeat(200) + i }); return { title: String(a.length) };", "memory:");

    [Fact]
    public void DeepRecursionFailsAsALimitWithoutCrashing() =>
        FailsWithLimit("function f(n) { return f(n + 1) + 1; }\nreturn { title: String(f(0)) };", "recursion: calls nested deeper than 64");

    [Theory]
    [InlineData("'x'.repeat(2 ** 28)", "repeat would build 268435456 characters")]
    [InlineData("''.padStart(2 ** 28, 'ab')", "padStart would build")]
    [InlineData("'a'.padEnd(2 ** 30)", "padEnd would build")]
    [InlineData("new Array(50000).join('x'.repeat(100000))", "join would build")]
    [InlineData("String(new Array(50000).fill('x'.repeat(100000)))", "join would build")]
    [InlineData("new Array(50000).fill('x'.repeat(100000)).toLocaleString()", "toLocaleString would build")]
    [InlineData("''.concat(...new Array(50000).fill('x'.repeat(100000)))", "concat would build")]
    [InlineData("'x'.repeat(100000).replaceAll('x', 'y'.repeat(1000))", "replaceAll would build")]
    [InlineData("'x'.repeat(100000).replace(/x/g, 'y'.repeat(1000))", "replace would build")]
    [InlineData("'x'.repeat(5000).replaceAll('x', '$`')", "replaceAll would build")]
    [InlineData("JSON.stringify(new Array(50000).fill('x'.repeat(100000)))", "JSON: text longer than")]
    public void BuiltInsThatAmplifyInOneCallAreBounded(string expression, string expected) =>
        FailsWithLimit($"return {{ title: String(({expression}).length) }};", expected);

    [Fact]
    public void HugeArraysAreRefused() => FailsWithLimit("const a = new Array(1e9); return { title: String(a.length) };", "maximum allowed (100000)");

    [Fact]
    public void DeeplyNestedObjectsDoNotOverflowTheStack()
    {
        FailsWithLimit("let o = {}; for (let i = 0; i < 100000; i++) o = { a: o }; return { title: JSON.stringify(o) };", "JSON: nesting deeper than");
        var error = Fails("let a = []; for (let i = 0; i < 100000; i++) a = [a]; return { title: String(a) };");
        Assert.Equal(MappingError.Limit, error.Kind);
    }

    [Theory]
    [InlineData("eval('1')")]
    [InlineData("new Function('return 1')()")]
    [InlineData("Function('return 1')()")]
    [InlineData("(() => {}).constructor('return 1')()")]
    public void StringCompilationIsRejected(string expression)
    {
        var error = Fails($"return {{ title: String({expression}) }};");
        Assert.Equal(MappingError.Runtime, error.Kind);
        Assert.Contains("String compilation has been disabled", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("'ab'.replace('a', 'x'); 'a'.repeat(2); [1].join(); JSON.stringify({}); console.log('x');")]
    public void GuardedBuiltInsDoNotResetTheStatementCount(string middle) =>
        // Each loop alone fits in 50,000 statements, both together do not: a guard that restarted the count would let this pass.
        FailsWithLimit($"let n = 0; for (let i = 0; i < 30000; i++) n++; {middle} for (let i = 0; i < 30000; i++) n++; return {{ title: String(n) }};",
            "statements: ran more than 50000", MappingLimitsConfig.Default with { MaxStatements = 50_000 });

    [Fact]
    public void CatastrophicRegexTimesOut() =>
        FailsWithLimit("return { title: String(/(a+)+$/.test('a'.repeat(30) + 'b')) };", "regex:", Hasty);

    [Theory]
    [InlineData("Uint8Array")]
    [InlineData("ArrayBuffer")]
    [InlineData("SharedArrayBuffer")]
    [InlineData("ShadowRealm")]
    public void BinaryBuffersAreNotAvailable(string name)
    {
        var outcome = _kit.Run($"function map() {{ return {{ title: typeof {name} }}; }}");
        Assert.Equal("undefined", Assert.Single(outcome.Messages).Title);
    }

    [Fact]
    public void ScriptsCannotCatchASandboxLimit()
    {
        var error = Fails("try { 'x'.repeat(2 ** 28); } catch (e) { return { title: 'caught' }; }");
        Assert.Equal(MappingError.Limit, error.Kind);
    }

    [Theory]
    [InlineData("'ab'.repeat(3)", "ababab")]
    [InlineData("'7'.padStart(3, '0') + '7'.padEnd(3, '-')", "0077--")]
    [InlineData("'a'.concat(1, null)", "a1null")]
    [InlineData("[1, [2, 3], null, undefined, 'x'].join('-')", "1-2,3---x")]
    [InlineData("String([1, [2, [3]]])", "1,2,3")]
    [InlineData("(() => { const a = [1]; a.push(a); return a.join('-'); })()", "1-")]
    [InlineData("Array.prototype.join.call({ length: 2, 0: 'a', 1: 'b' }, '+')", "a+b")]
    [InlineData("'a-b-c'.replaceAll('-', '+')", "a+b+c")]
    [InlineData("'john smith'.replace(/(\\w+) (\\w+)/, '$2, $1')", "smith, john")]
    [InlineData("'abc'.replace('b', (m) => m.toUpperCase())", "aBc")]
    [InlineData("JSON.stringify({ a: [1, 'x', null, undefined, () => 1], b: undefined, c: { d: true }, n: NaN })", """{"a":[1,"x",null,null,null],"c":{"d":true},"n":null}""")]
    [InlineData("JSON.stringify({ a: 1, b: [2] }, null, 2)", "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}")]
    [InlineData("JSON.stringify({ a: 1, b: 2, c: 3 }, ['a', 'c'])", """{"a":1,"c":3}""")]
    [InlineData("JSON.stringify({ a: 1, b: 'x' }, (k, v) => typeof v === 'number' ? v * 2 : v)", """{"a":2,"b":"x"}""")]
    [InlineData("JSON.stringify('say \"hi\"\\n\\u0001')", "\"say \\\"hi\\\"\\n\\u0001\"")]
    [InlineData("JSON.stringify({ d: new Date(0) })", """{"d":"1970-01-01T00:00:00.000Z"}""")]
    [InlineData("String(JSON.stringify(undefined))", "undefined")]
    public void GuardedBuiltInsBehaveAsUsualForNormalSizes(string expression, string expected)
    {
        var outcome = _kit.Run($"function map() {{ return {{ message: {expression} }}; }}");
        Assert.Empty(outcome.Errors);
        Assert.Equal(expected, Assert.Single(outcome.Messages).Message);
    }

    [Fact]
    public void CircularJsonIsATypeErrorTheScriptCanCatch()
    {
        var outcome = _kit.Run("function map() { const o = {}; o.self = o; try { JSON.stringify(o); } catch (e) { return { title: e.name + ': ' + e.message }; } }");
        Assert.Equal("TypeError: Converting circular structure to JSON", Assert.Single(outcome.Messages).Title);
    }

    [Fact]
    public void RunWaitsForAFreeSlotAndFailsAsALimitWhenNoneFrees()
    {
        var limits = MappingLimitsConfig.Default with { MaxConcurrency = 1, Timeout = TimeSpan.FromMilliseconds(50) };
        var (catalog, rule) = _kit.Load("function map() { return { title: 'ran' }; }", limits);
        var runner = new MappingRunner(limits);

        runner.Slots.Wait();
        var blocked = runner.Run(catalog, rule, MappingTestKit.Login(), MappingTestKit.Ctx);
        runner.Slots.Release();
        var free = runner.Run(catalog, rule, MappingTestKit.Login(), MappingTestKit.Ctx);

        var error = Assert.Single(blocked.Errors);
        Assert.Equal(MappingError.Limit, error.Kind);
        Assert.StartsWith("concurrency: 1 mapping runs already in progress", error.Message, StringComparison.Ordinal);
        Assert.Equal("ran", Assert.Single(free.Messages).Title);
        Assert.Equal(1, runner.Slots.CurrentCount);
    }

    [Fact]
    public void FailedRunsGiveTheirSlotBack()
    {
        var limits = MappingLimitsConfig.Default with { MaxConcurrency = 1 };
        var (catalog, rule) = _kit.Load("function map() { throw new Error('x'); }", limits);
        var runner = new MappingRunner(limits);
        runner.Run(catalog, rule, MappingTestKit.Login(), MappingTestKit.Ctx);
        Assert.Equal(1, runner.Slots.CurrentCount);
    }
}
