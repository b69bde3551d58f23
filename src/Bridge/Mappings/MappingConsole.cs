using System.Text;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace Bridge.Mappings;

/// <summary>
/// The <c>console</c> a mapping sees: <c>log</c>, <c>info</c>, <c>debug</c>, <c>warn</c>, <c>error</c> print like a browser
/// (text as is, objects as JSON) into a per-run list, bounded so a chatty or hostile mapping cannot flood the logs.
/// </summary>
internal sealed class MappingConsole
{
    /// <summary>Lines kept per run; later ones are counted and reported in one final line.</summary>
    public const int MaxLines = 100;

    /// <summary>Characters kept per line.</summary>
    public const int MaxLineLength = 1024;

    private readonly List<string> _lines = [];
    private int _dropped;

    public IReadOnlyList<string> Lines
    {
        get
        {
            if (_dropped == 0) return _lines;
            return [.. _lines, $"… {_dropped} more console lines truncated"];
        }
    }

    /// <summary>Installs <c>console</c>; each line goes to the console <paramref name="current"/> names, dropped when none.</summary>
    public static void Install(Engine engine, Func<MappingConsole?> current)
    {
        var json = new BoundedJson(engine, MaxLineLength * 4);
        var console = new JsObject(engine);
        foreach (var (name, prefix) in new[] { ("log", ""), ("info", ""), ("debug", ""), ("warn", "warn: "), ("error", "error: ") })
        {
            console.DefineOwnProperty(name, new PropertyDescriptor(
                new ClrFunction(engine, name, (_, args) => { current()?.Write(prefix, args, json); return JsValue.Undefined; }, 0, PropertyFlag.Configurable),
                writable: true, enumerable: false, configurable: true));
        }
        engine.SetValue("console", console);
    }

    private void Write(string prefix, JsValue[] args, BoundedJson json)
    {
        if (_lines.Count >= MaxLines)
        {
            _dropped++;
            return;
        }
        var sb = new StringBuilder(prefix);
        for (var i = 0; i < args.Length && sb.Length <= MaxLineLength; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(Format(args[i], json));
        }
        _lines.Add(sb.Length <= MaxLineLength ? sb.ToString() : string.Concat(sb.ToString(0, MaxLineLength), "…(truncated)"));
    }

    private static string Format(JsValue value, BoundedJson json)
    {
        if (value.IsString()) return value.AsString();
        if (value is not ObjectInstance o) return TypeConverter.ToString(value);
        if (o.IsCallable()) return "[Function]";
        // Errors serialise to {} as JSON; a browser prints "Error: message".
        if (o.HasProperty("stack") && o.HasProperty("message")) return TypeConverter.ToString(o);
        try
        {
            return json.Stringify(o, JsValue.Undefined, JsValue.Undefined) ?? "undefined";
        }
        catch (SandboxLimitException)
        {
            return "[object too large to print]";
        }
        catch (JavaScriptException e)
        {
            return $"[object: {e.Message}]";
        }
    }
}
