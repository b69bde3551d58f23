using System.Globalization;
using BenchmarkDotNet.Attributes;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Mappings;
using Jint;
using Jint.Native;
using Jint.Native.Json;

namespace Bridge.Bench;

/// <summary>
/// The cost of one mapping run per engine strategy (docs/mappings.md records the numbers and the choice): a pooled,
/// locked-down sandbox (what the bridge does), a fresh sandbox per run (what it did before: engine, guards and
/// helpers built for every event, the event written as JSON and parsed back), building one locked-down sandbox, and one
/// engine reused without lockdown (only the call: globals and prototypes would leak between events). Each on the
/// built-in default mapping and on a typical custom one (mappings/failed-login.js).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class MappingRunBenchmarks
{
    private readonly MappingRunner _runner = new(MappingLimitsConfig.Default);
    private readonly MappingContext _ctx = new("bench", "alerts", "ntfy", "authentik", "https://auth.example.com");
    private CompiledMapping _default = null!;
    private CompiledMapping _custom = null!;
    private BridgeEvent _event = null!;
    private byte[] _eventJson = null!;
    private Engine _reused = null!;
    private Action _resetReusedTemplates = null!;
    private JsValue _reusedMap = null!;

    [Params("default", "failed-login.js")]
    public string Mapping { get; set; } = "default";

    [GlobalSetup]
    public void Setup()
    {
        var root = RepositoryRoot();
        using var body = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "samples", "payloads", "authentik", "event-login-failed.json")));
        var source = new SourceConfig("authentik", SourceFormat.Authentik, [], true, null, "https://auth.example.com");
        _event = EventNormalizer.Normalize(source, body.RootElement, TimeProvider.System.GetUtcNow()).Event!;
        _eventJson = EventJson.ToUtf8(_event);
        _default = MappingCatalog.Default;
        var errors = new List<ConfigError>();
        _custom = MappingCatalog.ForFile(Path.Combine(root, "mappings", "failed-login.js"), errors).Mappings[0];
        if (errors.Count > 0) throw new InvalidOperationException(string.Join("; ", errors));

        (_reused, _resetReusedTemplates) = UnlockedSandbox();
        _reusedMap = _reused.Evaluate(Selected.Script.Prepared);
    }

    private CompiledMapping Selected => Mapping == "default" ? _default : _custom;

    /// <summary>What the bridge does: a pooled, locked-down sandbox, the mapping evaluated afresh, run, the result normalised.</summary>
    [Benchmark(Baseline = true)]
    public int PooledSandbox() => _runner.Run(Selected, _event, _ctx).Messages.Count;

    /// <summary>What the bridge did before the pool: a fresh engine with the guards and helpers per run, the event as JSON text parsed back.</summary>
    [Benchmark]
    public JsValue FreshSandboxPerRun()
    {
        var (engine, _) = UnlockedSandbox();
        using (engine) return Invoke(engine, engine.Evaluate(Selected.Script.Prepared));
    }

    /// <summary>Building one pooled sandbox (engine, guards, console, helpers, lockdown), paid once per pooled engine.</summary>
    [Benchmark]
    public int LockedSandboxCreation()
    {
        using var sandbox = MappingSandbox.Create(MappingLimitsConfig.Default);
        return sandbox.Runs;
    }

    /// <summary>One engine for every run, not locked down: only the call. Not isolated: what a mapping leaves on a prototype stays.</summary>
    [Benchmark]
    public JsValue ReusedEngineCallOnly()
    {
        // The template-text budget is per run, as the pooled sandbox's Begin resets it; without this the runs add up to the limit.
        _resetReusedTemplates();
        return Invoke(_reused, _reusedMap);
    }

    private JsValue Invoke(Engine engine, JsValue map)
    {
        var parser = new JsonParser(engine, IngestLimitsConfig.MaxAllowedDepth + 2);
        var e = parser.Parse(_eventJson.AsSpan());
        var ctx = parser.Parse("""{"rule":"bench","topic":"alerts","destination":"ntfy","source":"authentik","base_url":"https://auth.example.com","now":"2026-03-14T09:30:00.000Z"}"""u8);
        return engine.Invoke(map, e, ctx);
    }

    /// <summary>An engine as a sandbox was before the lockdown: the same limits, guards, console and helpers; and its template budget's reset.</summary>
    private static (Engine Engine, Action ResetTemplates) UnlockedSandbox()
    {
        var limits = MappingLimitsConfig.Default;
        var engine = new Engine(o =>
        {
            o.Strict();
            o.TimeoutInterval(limits.Timeout);
            o.MaxStatements(limits.MaxStatements);
            o.LimitMemory(limits.MemoryBytes);
            o.LimitRecursion(limits.MaxRecursion);
            o.DisableStringCompilation();
            o.Constraints.MaxArraySize = MappingSandbox.MaxArraySize;
            o.Interop.Enabled = false;
            o.TimeZone = TimeZoneInfo.Utc;
            o.Culture = CultureInfo.InvariantCulture;
        });
        var maxChars = MappingSandbox.MaxStringLength(limits);
        SandboxGuards.Install(engine, new BoundedJson(engine, maxChars), maxChars);
        CollectionGuards.Install(engine, maxChars);
        FlatteningGuards.Install(engine, maxChars);
        var resetTemplates = ScriptGuards.Install(engine, limits.MemoryBytes);
        MappingConsole.Install(engine, () => null);
        engine.Execute(MappingSandbox.HelpersScript);
        return (engine, resetTemplates);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Bridge.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("run the benchmarks from inside the repository (Bridge.sln not found above " + AppContext.BaseDirectory + ")");
    }
}
