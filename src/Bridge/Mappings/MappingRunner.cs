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
/// Runs mappings in the sandbox and normalises what they return into ntfy messages. Thread-safe: each run gets a
/// fresh engine, so nothing one event's mapping does to globals or prototypes is seen by the next.
/// </summary>
/// <param name="time">The clock behind <c>ctx.now</c> and the script's <c>Date</c> when the context fixes none; the system clock by default.</param>
public sealed class MappingRunner(MappingLimitsConfig limits, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>At most this many messages are sent for one event; the rest are reported as an error.</summary>
    public const int MaxMessagesPerRun = 10;

    /// <summary>Largest JSON one returned message may serialise to before normalising (the message text is then cut to 4095 bytes).</summary>
    public const int MaxMessageJsonChars = 1024 * 1024;

    /// <summary>Bounds concurrent runs; each holds an engine and up to the memory limit.</summary>
    internal SemaphoreSlim Slots { get; } = new(Math.Max(1, limits.MaxConcurrency), Math.Max(1, limits.MaxConcurrency));

    public MappingLimitsConfig Limits { get; } = limits;

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
        var errors = new List<MappingError>();
        // One deadline for the whole run; Jint's own timeout restarts at each Execute/Invoke. It starts once the sandbox
        // is built: that is the bridge's own bounded work, not the mapping's.
        using var deadline = new CancellationTokenSource();
        var now = ctx.Now ?? _time.GetUtcNow();
        try
        {
            using var engine = MappingSandbox.Create(Limits, console, now, deadline.Token);
            deadline.CancelAfter(Limits.Timeout);
            engine.Execute(mapping.Script.Prepared);
            var map = MappingSandbox.FindMap(engine);
            // Jint's own default depth (64) is less than a body the bridge may accept (max_depth up to 256), and the
            // event wraps the body one level deeper (event.raw): allow what ingest allowed.
            var parser = new JsonParser(engine, IngestLimitsConfig.MaxAllowedDepth + 2);
            var eventValue = parser.Parse(EventJson.ToUtf8(e).AsSpan());
            var ctxValue = parser.Parse(ContextJson(ctx, now).AsSpan());
            var result = engine.Invoke(map, eventValue, ctxValue);
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
                if (normalized.Message is { } message) messages.Add(message);
                foreach (var f in normalized.Errors)
                {
                    var field = f.Field.Length == 0 ? prefix : prefix.Length == 0 ? f.Field : $"{prefix}.{f.Field}";
                    errors.Add(new(mapping.Name, MappingError.InvalidMessage, f.Message, Field: field.Length == 0 ? null : field));
                }
            }
        }
        catch (Exception ex)
        {
            errors.Add(MappingFailures.From(mapping.Name, ex, Limits, mapping.Script));
            messages.Clear();
        }
        return new MappingOutcome(messages, errors, console.Lines);
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

    private static byte[] ContextJson(MappingContext ctx, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("rule", ctx.Rule);
            w.WriteString("topic", ctx.Topic);
            w.WriteString("destination", ctx.Destination);
            w.WriteString("source", ctx.Source);
            w.WriteString("base_url", ctx.BaseUrl);
            w.WriteString("public_url", ctx.PublicUrl);
            // ISO-8601 in UTC with milliseconds, as Date.prototype.toISOString writes it, so `new Date(ctx.now)` round-trips.
            w.WriteString("now", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
