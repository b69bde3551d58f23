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
/// The cost of one mapping run per engine strategy (docs/mappings.md records the numbers and the choice):
/// a fresh sandbox per run (what the bridge does), a fresh engine without the guards and helpers, and one engine
/// reused across runs (cheapest, but globals and prototypes leak between events, so isolation does not hold).
/// Each on the built-in default mapping and on a typical custom one (mappings/failed-login.js).
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

        _reused = BareEngine(withHelpers: true);
        _reused.Execute(Selected.Script.Prepared);
        _reusedMap = MappingSandbox.FindMap(_reused);
    }

    private CompiledMapping Selected => Mapping == "default" ? _default : _custom;

    /// <summary>What the bridge does: a fresh, guarded sandbox with the helpers, the mapping run, the result normalised.</summary>
    [Benchmark(Baseline = true)]
    public int FreshSandbox() => _runner.Run(Selected, _event, _ctx).Messages.Count;

    /// <summary>A fresh engine with the same limits but no guards (repeat, join, JSON…) and no helpers: what they cost.</summary>
    [Benchmark]
    public JsValue FreshEngineWithoutGuards()
    {
        using var engine = BareEngine(withHelpers: Mapping != "default");
        engine.Execute(Selected.Script.Prepared);
        return Invoke(engine, MappingSandbox.FindMap(engine));
    }

    /// <summary>The sandbox alone (engine, guards, console, helpers), without running a mapping.</summary>
    [Benchmark]
    public Engine SandboxCreationOnly()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var engine = MappingSandbox.Create(MappingLimitsConfig.Default, new MappingConsole(), DateTimeOffset.UnixEpoch, deadline.Token);
        engine.Dispose();
        return engine;
    }

    /// <summary>One engine for every run: only the call. Not isolated: what a mapping leaves on globalThis or a prototype stays.</summary>
    [Benchmark]
    public JsValue ReusedEngine() => Invoke(_reused, _reusedMap);

    private JsValue Invoke(Engine engine, JsValue map)
    {
        var parser = new JsonParser(engine);
        var e = parser.Parse(_eventJson.AsSpan());
        var ctx = parser.Parse("""{"rule":"bench","topic":"alerts","destination":"ntfy","source":"authentik","base_url":"https://auth.example.com","now":"2026-03-14T09:30:00.000Z"}"""u8);
        return engine.Invoke(map, e, ctx);
    }

    private static Engine BareEngine(bool withHelpers)
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
            o.Interop.Enabled = false;
            o.TimeZone = TimeZoneInfo.Utc;
            o.Culture = CultureInfo.InvariantCulture;
        });
        // The loaded mapping calls the functions its rewrite put in front of template substitutions and spreads.
        ScriptGuards.Install(engine, limits.MemoryBytes);
        // failed-login.js calls the helpers, so the unguarded engine still needs them; the default mapping does not.
        if (withHelpers) engine.Execute(MappingSandbox.HelpersScript);
        return engine;
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
