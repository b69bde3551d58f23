using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace Bridge.Mappings;

/// <summary>
/// Replaces the built-ins whose single native call can build far more than the script holds. Jint checks its memory
/// limit and timeout only between steps, so one call escapes both: <c>'x'.repeat(2**28)</c> built 512 MB in a probe,
/// <c>big.replaceAll('x', big)</c> threw OutOfMemoryException, <c>new Array(1e5).join(big)</c> allocated gigabytes.
/// Each guard computes the result size first (cheap, exact or a safe upper bound) and refuses before allocating;
/// otherwise it calls the original. Binary buffers (typed arrays, ArrayBuffer) are removed: a mapping has no use for
/// them and <c>new Uint8Array(2**30)</c> allocates 1 GB in one step.
/// </summary>
internal static class SandboxGuards
{
    private static readonly string[] RemovedGlobals =
    [
        "ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics", "ShadowRealm", "WeakRef", "FinalizationRegistry",
        "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
        "Float16Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
    ];

    public static void Install(Engine engine, BoundedJson json, int maxChars)
    {
        foreach (var name in RemovedGlobals) engine.Global.Delete(name);

        var stringCtor = (ObjectInstance)engine.GetValue("String");
        var strings = (ObjectInstance)stringCtor.Get("prototype");
        var arrays = (ObjectInstance)((ObjectInstance)engine.GetValue("Array")).Get("prototype");
        // String.raw joins shared references natively, like join; templates do not need it.
        stringCtor.Delete("raw");

        Wrap(engine, strings, "repeat", 1, (original, self, args) =>
        {
            var s = ThisString(engine, self);
            var count = TypeConverter.ToIntegerOrInfinity(Arg(args, 0));
            if (count >= 0 && !double.IsInfinity(count)) Refuse("repeat", (double)s.Length * count, maxChars);
            return engine.Call(original, s, [count]);
        });
        Wrap(engine, strings, "padStart", 1, (original, self, args) => Pad(engine, original, self, args, maxChars, "padStart"));
        Wrap(engine, strings, "padEnd", 1, (original, self, args) => Pad(engine, original, self, args, maxChars, "padEnd"));
        Wrap(engine, strings, "concat", 1, (original, self, args) =>
        {
            var s = ThisString(engine, self);
            var parts = new JsValue[args.Length];
            double total = s.Length;
            for (var i = 0; i < args.Length; i++)
            {
                // A string's length is known without reading it: lazy strings (s + i) are not copied out to be counted.
                var part = args[i] as JsString ?? JsString.Create(TypeConverter.ToString(args[i]));
                total += part.Length;
                parts[i] = part;
            }
            Refuse("concat", total, maxChars);
            return engine.Call(original, s, parts);
        });
        Wrap(engine, strings, "replace", 2, (original, self, args) => Replace(engine, original, self, args, maxChars, "replace"));
        Wrap(engine, strings, "replaceAll", 2, (original, self, args) => Replace(engine, original, self, args, maxChars, "replaceAll"));

        var joining = new HashSet<ObjectInstance>();
        var objectCtor = engine.GetValue("Object");
        Define(arrays, "join", new ClrFunction(engine, "join", (self, args) =>
        {
            var separator = Arg(args, 0);
            return Join(engine, objectCtor, self, separator.IsUndefined() ? "," : TypeConverter.ToString(separator), joining, maxChars, locale: false);
        }, 1, PropertyFlag.Configurable));
        Define(arrays, "toLocaleString", new ClrFunction(engine, "toLocaleString",
            (self, _) => Join(engine, objectCtor, self, ",", joining, maxChars, locale: true), 0, PropertyFlag.Configurable));

        var jsonObject = (ObjectInstance)engine.GetValue("JSON");
        Define(jsonObject, "stringify", new ClrFunction(engine, "stringify", (_, args) =>
        {
            var text = json.Stringify(Arg(args, 0), Arg(args, 1), Arg(args, 2));
            return text is null ? JsValue.Undefined : text;
        }, 3, PropertyFlag.Configurable));
    }

    private static JsValue Pad(Engine engine, JsValue original, JsValue self, JsValue[] args, int maxChars, string name)
    {
        var s = ThisString(engine, self);
        var length = TypeConverter.ToLength(Arg(args, 0));
        Refuse(name, length, maxChars);
        return engine.Call(original, s, [length, Arg(args, 1)]);
    }

    private static JsValue Replace(Engine engine, JsValue original, JsValue self, JsValue[] args, int maxChars, string name)
    {
        var replacement = Arg(args, 1);
        // A function replacer runs script code per match, where Jint's own memory and time checks apply.
        if (replacement is ObjectInstance fn && fn.IsCallable()) return engine.Call(original, self, args);

        var s = ThisString(engine, self);
        var text = TypeConverter.ToString(replacement);
        var dollars = text.Count(c => c == '$');
        // Each match adds the replacement; each `$` pattern ($&, $`, $', $1) adds at most the whole subject.
        double perMatch = text.Length + (double)dollars * s.Length;
        if (s.Length + (s.Length + 1d) * perMatch > maxChars)
        {
            // Counting the matches runs natively per match: stop as soon as the result is known to be too long.
            var count = 0;
            var counter = new ClrFunction(engine, "count", (_, _) =>
            {
                Refuse(name, s.Length + ++count * perMatch, maxChars);
                if ((count & 1023) == 0) engine.Constraints.Check();
                return JsString.Empty;
            }, 0, PropertyFlag.Configurable);
            engine.Call(original, s, [Arg(args, 0), counter]);
        }
        return engine.Call(original, s, [Arg(args, 0), text]);
    }

    private static JsValue Join(Engine engine, JsValue objectCtor, JsValue self, string separator, HashSet<ObjectInstance> joining, int maxChars, bool locale)
    {
        TypeConverter.RequireObjectCoercible(engine, self);
        var o = self as ObjectInstance ?? engine.Construct(objectCtor, [self]);
        // Browsers print a cyclic array's repeated occurrence as empty; Jint's native join does too.
        if (!joining.Add(o)) return JsString.Empty;
        try
        {
            if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
                throw new SandboxLimitException("join: arrays nested too deeply");
            var length = TypeConverter.ToLength(o.Get("length"));
            var sb = new StringBuilder();
            for (ulong i = 0; i < length; i++)
            {
                if ((i & 1023) == 1023) engine.Constraints.Check();
                if (i > 0) sb.Append(separator);
                var item = o.Get(i.ToString(CultureInfo.InvariantCulture));
                // Refused before a lazy string (s + i) is copied out to be appended.
                if (item is JsString lazy && sb.Length + (double)lazy.Length > maxChars) Refuse(locale ? "toLocaleString" : "join", sb.Length + (double)lazy.Length, maxChars);
                if (!item.IsNull() && !item.IsUndefined())
                {
                    var text = locale
                        ? TypeConverter.ToString(engine.Call(engine.GetValue(item, "toLocaleString"), item, []))
                        : TypeConverter.ToString(item);
                    sb.Append(text);
                }
                if (sb.Length > maxChars) Refuse(locale ? "toLocaleString" : "join", sb.Length, maxChars);
            }
            return sb.ToString();
        }
        finally
        {
            joining.Remove(o);
        }
    }

    internal delegate JsValue Guard(JsValue original, JsValue self, JsValue[] args);

    /// <summary>Replaces <paramref name="target"/>'s method with <paramref name="guard"/>, which gets the original to call.</summary>
    internal static void Wrap(Engine engine, ObjectInstance target, string name, int length, Guard guard) => Wrap(engine, target, name, name, length, guard);

    internal static void Wrap(Engine engine, ObjectInstance target, JsValue key, string name, int length, Guard guard)
    {
        var original = target.Get(key);
        Define(target, key, new ClrFunction(engine, name, (self, args) => guard(original, self, args), length, PropertyFlag.Configurable));
    }

    private static void Define(ObjectInstance target, JsValue key, JsValue fn) =>
        target.DefineOwnProperty(key, new PropertyDescriptor(fn, writable: true, enumerable: false, configurable: true));

    private static string ThisString(Engine engine, JsValue self)
    {
        TypeConverter.RequireObjectCoercible(engine, self);
        return TypeConverter.ToString(self);
    }

    internal static JsValue Arg(JsValue[] args, int i) => i < args.Length ? args[i] : JsValue.Undefined;

    internal static void Refuse(string name, double resultLength, int maxChars)
    {
        if (resultLength > maxChars)
            throw new SandboxLimitException($"string length: {name} would build {resultLength:0} characters; at most {maxChars} are allowed");
    }
}
