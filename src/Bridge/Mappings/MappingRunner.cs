using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Messages;
using Bridge.Rules;
using Jint;
using Jint.Native;
using Jint.Native.Json;
using Jint.Native.Object;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace Bridge.Mappings;

/// <summary>
/// Runs mappings in the sandbox and normalises what they return into ntfy messages. Thread-safe: each run takes a
/// locked-down sandbox from a pool (or builds one) and evaluates its mapping in a scope of its own, so nothing one
/// event's mapping does is seen by the next; a run that failed throws its engine away.
/// </summary>
/// <param name="time">The clock behind <c>ctx.now</c> and the script's <c>Date</c> when the context fixes none; the system clock by default.</param>
public sealed class MappingRunner(MappingLimitsConfig limits, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>At most this many messages are sent for one event; the rest are reported as an error.</summary>
    public const int MaxMessagesPerRun = 10;

    /// <summary>Largest JSON one returned message may serialise to before normalising (the message text is then cut to 4095 bytes).</summary>
    public const int MaxMessageJsonChars = 1024 * 1024;

    /// <summary>
    /// A sandbox serves at most this many runs, then a fresh one is built: a bound on whatever an engine accumulates
    /// that no run can see (interned strings, regex caches, the symbol registry).
    /// </summary>
    private const int MaxRunsPerSandbox = 10_000;

    // Locked-down sandboxes not in use; at most one per concurrent run (Slots), so at most max_concurrency engines.
    private readonly ConcurrentStack<MappingSandbox> _pool = new();

    /// <summary>Bounds concurrent runs; each holds an engine and up to the memory limit.</summary>
    internal SemaphoreSlim Slots { get; } = new(Math.Max(1, limits.MaxConcurrency), Math.Max(1, limits.MaxConcurrency));

    public MappingLimitsConfig Limits { get; } = limits;

    /// <summary>The clock behind a run's <c>ctx.now</c> when the context fixes none.</summary>
    public TimeProvider Time => _time;

    /// <summary>Runs the mapping <paramref name="rule"/> names (or the built-in default) on one event. Never throws for script problems.</summary>
    public MappingOutcome Run(MappingCatalog catalog, CompiledRule rule, BridgeEvent e, MappingContext ctx)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(rule);
        var mapping = catalog.For(rule.Config);
        if (mapping is null)
        {
            var error = new MappingError(rule.Config.Mapping ?? CompiledMapping.DefaultName, MappingError.Runtime, "the mapping did not load (see the configuration errors)");
            return new MappingOutcome([], [error], []);
        }
        return Run(mapping, e, ctx);
    }

    /// <summary>Runs one compiled mapping on one event (used by <c>bridge try --mapping</c>, where there is no rule).</summary>
    public MappingOutcome Run(CompiledMapping mapping, BridgeEvent e, MappingContext ctx)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(ctx);
        if (!Slots.Wait(Limits.Timeout))
        {
            var busy = new MappingError(mapping.Name, MappingError.Limit,
                $"concurrency: {Limits.MaxConcurrency} mapping runs already in progress; no slot within {Limits.Timeout.TotalMilliseconds:0} ms");
            return new MappingOutcome([], [busy], []);
        }
        try
        {
            return RunInSandbox(mapping, e, ctx);
        }
        finally
        {
            Slots.Release();
        }
    }

    private MappingOutcome RunInSandbox(CompiledMapping mapping, BridgeEvent e, MappingContext ctx)
    {
        var console = new MappingConsole();
        var messages = new List<NtfyMessage>();
        var bodies = new List<byte[]>();
        var errors = new List<MappingError>();
        var now = ctx.Now ?? _time.GetUtcNow();
        MappingSandbox? sandbox = null;
        var failed = false;
        try
        {
            // Building a sandbox is the bridge's own bounded work, not the mapping's: the run's deadline starts after it.
            sandbox = _pool.TryPop(out var pooled) ? pooled : MappingSandbox.Create(Limits);
            sandbox.Begin(now, console);
            var engine = sandbox.Engine;
            var map = sandbox.Load(mapping.Script);
            var result = engine.Invoke(map, EventValues.Event(engine, e), EventValues.Context(engine, ctx, now));
            if (result.IsNull() || result.IsUndefined()) return new MappingOutcome([], [], console.Lines);

            var texts = Serialise(engine, result, out var isArray, out var returned);
            for (var i = 0; i < texts.Count; i++)
            {
                var prefix = isArray ? $"[{i}]" : "";
                if (texts[i] is not { } text) continue;
                if (messages.Count >= MaxMessagesPerRun)
                {
                    errors.Add(new(mapping.Name, MappingError.InvalidMessage,
                        $"returned {returned} messages; at most {MaxMessagesPerRun} are sent per event", Field: prefix));
                    break;
                }
                using var doc = JsonDocument.Parse(text);
                var normalized = MessageNormalizer.Normalize(doc.RootElement, ctx.Topic);
                if (normalized.Message is { } message)
                {
                    messages.Add(message);
                    bodies.Add(normalized.Body!);
                }
                foreach (var f in normalized.Errors)
                {
                    var field = f.Field.Length == 0 ? prefix : prefix.Length == 0 ? f.Field : $"{prefix}.{f.Field}";
                    errors.Add(new(mapping.Name, MappingError.InvalidMessage, f.Message, Field: field.Length == 0 ? null : field));
                }
            }
        }
        catch (Exception ex)
        {
            failed = true;
            errors.Add(MappingFailures.From(mapping.Name, ex, Limits, mapping.Script));
            messages.Clear();
            bodies.Clear();
        }
        finally
        {
            if (sandbox is not null) Return(sandbox, failed);
        }
        return new MappingOutcome(messages, errors, console.Lines) { Bodies = bodies };
    }

    private void Return(MappingSandbox sandbox, bool failed)
    {
        failed = failed || !FinishJobs(sandbox.Engine);
        sandbox.End();
        // A run that threw may have left the engine mid-way (a limit stops it anywhere): only a clean one goes back.
        if (!failed && ++sandbox.Runs < MaxRunsPerSandbox) _pool.Push(sandbox);
        else sandbox.Dispose();
    }

    /// <summary>
    /// Runs the promise jobs a run queued, inside the run (its limits, its console), so none is left to run in the next
    /// run on this engine. They cannot change the run's messages; false when one failed, and the engine is then thrown away.
    /// </summary>
    private static bool FinishJobs(Engine engine)
    {
        try
        {
            engine.Advanced.ProcessTasks();
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// Each returned message as JSON text (null for null/undefined entries of an array, which are skipped). Runs inside
    /// the engine so getters and <c>toJSON</c> in the result stay under the sandbox's limits.
    /// </summary>
    private static List<string?> Serialise(Engine engine, JsValue result, out bool isArray, out ulong returned)
    {
        var json = new BoundedJson(engine, MaxMessageJsonChars);
        var texts = new List<string?>();
        var collect = new ClrFunction(engine, "collect", (_, args) =>
        {
            var item = args[0];
            texts.Add(item.IsNull() || item.IsUndefined() ? null : json.Stringify(item, JsValue.Undefined, JsValue.Undefined) ?? "null");
            return JsValue.Undefined;
        }, 1, PropertyFlag.Configurable);

        isArray = result is ObjectInstance o && o.IsArray();
        returned = 1;
        if (!isArray)
        {
            engine.Invoke(collect, result);
            return texts;
        }
        var array = (ObjectInstance)result;
        returned = Jint.Runtime.TypeConverter.ToLength(array.Get("length"));
        var length = (int)Math.Min(returned, MaxMessagesPerRun + 1);
        for (var i = 0; i < length; i++) engine.Invoke(collect, array.Get(i));
        return texts;
    }
}
