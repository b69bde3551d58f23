using System.Globalization;
using Bridge.Configuration;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;

namespace Bridge.Mappings;

/// <summary>
/// The engine mapping runs use: every limit on, interop off, risky built-ins bounded or removed, then everything a
/// script can reach frozen (lockdown.js), so one engine serves run after run without a run seeing what an earlier one
/// did: each run evaluates its mapping in a scope of its own (<see cref="MappingScript"/>), and the clock, console,
/// deadline and template budget start afresh in <see cref="Begin"/>. Not thread-safe: one run at a time.
/// </summary>
internal sealed class MappingSandbox : IDisposable
{
    /// <summary>Array length cap: an event has dozens of fields, a mapping never needs more.</summary>
    public const uint MaxArraySize = 100_000;

    /// <summary>Largest string a single built-in call may build: a quarter of the memory limit (two bytes a character, twice over).</summary>
    public static int MaxStringLength(MappingLimitsConfig limits) => (int)Math.Clamp(limits.MemoryBytes / 4, 64 * 1024, int.MaxValue / 4);

    // The `bridge` helpers (helpers.js) and the lockdown, parsed once for the process; each engine only runs them.
    private static readonly Prepared<Acornima.Ast.Script> Helpers = Load("helpers.js", "(bridge helpers)");
    private static readonly Prepared<Acornima.Ast.Script> Lockdown = Load("lockdown.js", "(bridge lockdown)");

    private readonly RunClock _clock = new();
    private readonly RunDeadline _deadline = new();
    private readonly Action _resetTemplates;
    private readonly TimeSpan _timeout;
    private MappingConsole? _console;

    private MappingSandbox(MappingLimitsConfig limits, bool lockdown)
    {
        _timeout = limits.Timeout;
        Engine = new Engine(o =>
        {
            o.Strict();
            // The run's timeout is _deadline, armed only while a run is on: building the sandbox is not the mapping's time.
            o.MaxStatements(limits.MaxStatements);
            o.LimitMemory(limits.MemoryBytes);
            o.LimitRecursion(limits.MaxRecursion);
            o.DisableStringCompilation();
            o.Constraint(_deadline);
            o.Constraints.RegexTimeout = limits.Timeout;
            o.Constraints.MaxArraySize = MaxArraySize;
            // Native recursion (JSON of a 100,000-deep object) otherwise overflows the stack and kills the process.
            o.Constraints.StackOverflowGuard = true;
            o.Interop.Enabled = false;
            // Dates print the same on every host.
            o.TimeZone = TimeZoneInfo.Utc;
            o.Culture = CultureInfo.InvariantCulture;
            o.TimeSystem = _clock;
        });
        var maxChars = MaxStringLength(limits);
        SandboxGuards.Install(Engine, new BoundedJson(Engine, maxChars), maxChars);
        CollectionGuards.Install(Engine, maxChars);
        FlatteningGuards.Install(Engine, maxChars);
        _resetTemplates = ScriptGuards.Install(Engine, limits.MemoryBytes);
        MappingConsole.Install(Engine, () => _console);
        // Nor are the statements of the helpers and the lockdown the mapping's: they run uncounted.
        var statements = Engine.Constraints.Find<Jint.Constraints.MaxStatementsConstraint>()!;
        statements.MaxStatements = 0;
        try
        {
            Engine.Execute(Helpers);
            if (lockdown) FreezeAll(Engine, Engine.Evaluate(Lockdown));
        }
        catch (MemoryLimitExceededException)
        {
            Engine.Dispose();
            throw new SandboxLimitException($"memory: {limits.MemoryBytes} bytes is less than the sandbox itself needs (its helpers and lockdown take about 200 KB); raise mapping_limits.memory");
        }
        statements.MaxStatements = limits.MaxStatements;
    }

    public Engine Engine { get; }

    /// <summary>The prepared helpers script (for the benchmarks, which build engines of their own).</summary>
    internal static Prepared<Acornima.Ast.Script> HelpersScript => Helpers;

    /// <summary>Builds and locks down a sandbox for a pool: about 7 ms of CPU, so a pool keeps them.</summary>
    public static MappingSandbox Create(MappingLimitsConfig limits) => new(limits, lockdown: true);

    /// <summary>A sandbox for one evaluation and then thrown away (checking that a mapping loads): no lockdown, as nothing runs in it after.</summary>
    public static MappingSandbox CreateThrowaway(MappingLimitsConfig limits) => new(limits, lockdown: false);

    /// <summary>Starts a run: the script's clock shows <paramref name="now"/>, console lines go to <paramref name="console"/>, the deadline starts.</summary>
    public void Begin(DateTimeOffset now, MappingConsole? console)
    {
        _clock.Now = now;
        _console = console;
        _resetTemplates();
        _deadline.Start(_timeout);
    }

    /// <summary>Ends a run: the console it wrote to is let go.</summary>
    public void End() => _console = null;

    /// <summary>Runs this sandbox has served to the end.</summary>
    public int Runs { get; set; }

    /// <summary>Evaluates the mapping's top level afresh and returns its <c>map</c> function, or undefined when it defines none.</summary>
    public JsValue Load(MappingScript script) => Engine.Evaluate(script.Prepared);

    public void Dispose() => Engine.Dispose();

    /// <summary>
    /// Freezes every object reachable from <paramref name="roots"/> (what lockdown.js returns) through prototypes and own
    /// properties, accessors' functions included. Done here rather than in the script: interpreted, the walk over the
    /// few thousand objects of the intrinsics was most of the 60 ms a sandbox took to build.
    /// </summary>
    private static void FreezeAll(Engine engine, JsValue roots)
    {
        var freeze = engine.Intrinsics.Object.Get("freeze");
        var seen = new HashSet<ObjectInstance>(ReferenceEqualityComparer.Instance);
        var todo = new Stack<JsValue?>();
        var array = (ObjectInstance)roots;
        var length = (int)TypeConverter.ToLength(array.Get("length"));
        for (var i = 0; i < length; i++) todo.Push(array.Get(i));
        while (todo.TryPop(out var value))
        {
            if (value is not ObjectInstance o || !seen.Add(o)) continue;
            todo.Push(o.Prototype);
            foreach (var key in o.GetOwnPropertyKeys(Types.String | Types.Symbol))
            {
                var d = o.GetOwnProperty(key);
                if (d.IsAccessorDescriptor())
                {
                    todo.Push(d.Get);
                    todo.Push(d.Set);
                }
                else
                {
                    todo.Push(d.Value);
                }
            }
        }
        foreach (var o in seen) engine.Call(freeze, JsValue.Undefined, [o]);
    }

    private static Prepared<Acornima.Ast.Script> Load(string file, string name)
    {
        using var stream = typeof(MappingSandbox).Assembly.GetManifestResourceStream("Bridge.Mappings." + file)
            ?? throw new InvalidOperationException($"The resource Bridge.Mappings.{file} is missing from the build.");
        using var reader = new StreamReader(stream);
        return Engine.PrepareScript(reader.ReadToEnd(), name, strict: true);
    }
}
