using System.Globalization;
using Bridge.Configuration;
using Jint;
using Jint.Native;

namespace Bridge.Mappings;

/// <summary>Builds the engine one mapping run uses: every limit on, interop off, risky built-ins bounded or removed.</summary>
internal static class MappingSandbox
{
    /// <summary>Array length cap: an event has dozens of fields, a mapping never needs more.</summary>
    public const uint MaxArraySize = 100_000;

    /// <summary>Largest string a single built-in call may build: a quarter of the memory limit (two bytes a character, twice over).</summary>
    public static int MaxStringLength(MappingLimitsConfig limits) => (int)Math.Clamp(limits.MemoryBytes / 4, 64 * 1024, int.MaxValue / 4);

    // `function map` is a global property, `const map` only a lexical binding: evaluating the name finds both.
    private static readonly Prepared<Acornima.Ast.Script> MapLookup =
        Engine.PrepareScript("typeof map === 'function' ? map : undefined", "(bridge)", strict: true);

    // The `bridge` helpers (helpers.js), parsed once for the process; each engine only runs them.
    private static readonly Prepared<Acornima.Ast.Script> Helpers = LoadHelpers();

    /// <summary>The prepared helpers script (for the benchmarks, which build engines of their own).</summary>
    internal static Prepared<Acornima.Ast.Script> HelpersScript => Helpers;

    /// <summary>The script's <c>map</c> function, or undefined when it defines none.</summary>
    public static JsValue FindMap(Engine engine) => engine.Evaluate(MapLookup);

    /// <param name="now">The instant the script's clock shows for the whole run.</param>
    public static Engine Create(MappingLimitsConfig limits, MappingConsole? console, DateTimeOffset now, CancellationToken deadline)
    {
        var engine = new Engine(o =>
        {
            o.Strict();
            o.TimeoutInterval(limits.Timeout);
            o.MaxStatements(limits.MaxStatements);
            o.LimitMemory(limits.MemoryBytes);
            o.LimitRecursion(limits.MaxRecursion);
            o.DisableStringCompilation();
            o.CancellationToken(deadline);
            o.Constraints.RegexTimeout = limits.Timeout;
            o.Constraints.MaxArraySize = MaxArraySize;
            // Native recursion (JSON of a 100,000-deep object) otherwise overflows the stack and kills the process.
            o.Constraints.StackOverflowGuard = true;
            o.Interop.Enabled = false;
            // Dates print the same on every host.
            o.TimeZone = TimeZoneInfo.Utc;
            o.Culture = CultureInfo.InvariantCulture;
            o.TimeSystem = new FixedTimeSystem(now);
        });
        var maxChars = MaxStringLength(limits);
        SandboxGuards.Install(engine, new BoundedJson(engine, maxChars), maxChars);
        CollectionGuards.Install(engine, maxChars);
        FlatteningGuards.Install(engine, maxChars);
        ScriptGuards.Install(engine, limits.MemoryBytes);
        console?.Install(engine);
        engine.Execute(Helpers);
        return engine;
    }

    private static Prepared<Acornima.Ast.Script> LoadHelpers()
    {
        using var stream = typeof(MappingSandbox).Assembly.GetManifestResourceStream("Bridge.Mappings.helpers.js")
            ?? throw new InvalidOperationException("The resource Bridge.Mappings.helpers.js is missing from the build.");
        using var reader = new StreamReader(stream);
        return Engine.PrepareScript(reader.ReadToEnd(), "(bridge helpers)", strict: true);
    }
}
