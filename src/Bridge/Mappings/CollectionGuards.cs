using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Native.Symbol;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace Bridge.Mappings;

/// <summary>
/// Guards for the built-ins that build one object per character or per match before Jint checks anything. Jint
/// refuses an array longer than <see cref="MappingSandbox.MaxArraySize"/> only once the list behind it exists, so on
/// a 4-million-character string (8 MB, within a 16 MB limit) <c>s.match(/x/g)</c> allocated 865 MB,
/// <c>Object.getOwnPropertyDescriptors(s)</c> 2.7 GB, <c>encodeURIComponent</c> of accented text 94 MB and
/// <c>new RegExp('(x)'.repeat(1e6))</c> 573 MB in one call. Each guard refuses from the input's size, or counts as it
/// goes and checks the run's limits, so a call stops near the limit instead of after the damage.
/// </summary>
internal static class CollectionGuards
{
    /// <summary>Longest pattern <c>new RegExp</c> compiles: .NET's regex parser allocates about 190 bytes a character.</summary>
    public const int MaxPatternLength = 16 * 1024;

    // Object.keys and friends of a string make one key (and more) per character: refuse what MaxArraySize would refuse anyway.
    private static readonly string[] OwnKeyReaders = ["keys", "values", "entries", "getOwnPropertyNames", "getOwnPropertyDescriptors", "groupBy"];

    public static void Install(Engine engine, int maxChars)
    {
        GuardConstructor(engine, "RegExp", Pattern);

        var objectCtor = (ObjectInstance)engine.GetValue("Object");
        var stringValueOf = ((ObjectInstance)((ObjectInstance)engine.GetValue("String")).Get("prototype")).Get("valueOf");
        foreach (var name in OwnKeyReaders)
        {
            SandboxGuards.Wrap(engine, objectCtor, name, 1, (original, self, args) =>
            {
                RefuseLongString(engine, stringValueOf, SandboxGuards.Arg(args, 0), $"Object.{name}");
                return engine.Call(original, self, args);
            });
        }
        SandboxGuards.Wrap(engine, objectCtor, "assign", 2, (original, self, args) =>
        {
            for (var i = 1; i < args.Length; i++) RefuseLongString(engine, stringValueOf, args[i], "Object.assign");
            return engine.Call(original, self, args);
        });
        SandboxGuards.Wrap(engine, (ObjectInstance)engine.GetValue("Reflect"), "ownKeys", 1, (original, self, args) =>
        {
            RefuseLongString(engine, stringValueOf, SandboxGuards.Arg(args, 0), "Reflect.ownKeys");
            return engine.Call(original, self, args);
        });

        var regExps = (ObjectInstance)((ObjectInstance)engine.GetValue("RegExp")).Get("prototype");
        SandboxGuards.Wrap(engine, regExps, GlobalSymbolRegistry.Match, "[Symbol.match]", 1, (original, self, args) =>
            self is ObjectInstance rx && TypeConverter.ToString(rx.Get("flags")).Contains('g')
                ? MatchAll(engine, rx, TypeConverter.ToString(SandboxGuards.Arg(args, 0)))
                : engine.Call(original, self, args));
        SandboxGuards.Wrap(engine, regExps, "compile", 2, (original, self, args) =>
            engine.Call(original, self, [Pattern(SandboxGuards.Arg(args, 0)), SandboxGuards.Arg(args, 1)]));

        // Segmenting builds a segment object per grapheme, natively, as an iterator or spread reads them.
        if (engine.GetValue("Intl") is ObjectInstance intl && intl.Get("Segmenter") is ObjectInstance segmenter)
        {
            SandboxGuards.Wrap(engine, (ObjectInstance)segmenter.Get("prototype"), "segment", 1, (original, self, args) =>
            {
                var text = TypeConverter.ToString(SandboxGuards.Arg(args, 0));
                if (text.Length > MappingSandbox.MaxArraySize)
                    throw new SandboxLimitException($"Intl.Segmenter: a string of {text.Length} characters; at most {MappingSandbox.MaxArraySize} are segmented");
                return engine.Call(original, self, [text]);
            });
        }

        var global = engine.Global;
        SandboxGuards.Wrap(engine, global, "encodeURIComponent", 1, (original, _, args) => Encode(engine, original, args, maxChars, "encodeURIComponent", UriComponentLength));
        SandboxGuards.Wrap(engine, global, "encodeURI", 1, (original, _, args) => Encode(engine, original, args, maxChars, "encodeURI", UriLength));
        SandboxGuards.Wrap(engine, global, "escape", 1, (original, _, args) => Encode(engine, original, args, maxChars, "escape", EscapeLength));
    }

    /// <summary>
    /// A ClrFunction cannot be called with <c>new</c>, so a constructor is put behind a Proxy whose traps pass the first
    /// argument through <paramref name="first"/> before Reflect.construct/apply call the original. <c>/x/.constructor</c>
    /// is the proxy too; subclasses and Symbol.species reach the original through it.
    /// </summary>
    internal static void GuardConstructor(Engine engine, string name, Func<JsValue, JsValue> first)
    {
        var original = (ObjectInstance)engine.GetValue(name);
        var reflect = (ObjectInstance)engine.GetValue("Reflect");
        var handler = new JsObject(engine);
        foreach (var trap in new[] { "construct", "apply" })
        {
            var forward = reflect.Get(trap);
            // construct(target, args, newTarget) and apply(target, this, args): the argument list is a fresh array.
            var argsAt = trap == "construct" ? 1 : 2;
            handler.CreateDataProperty(trap, new ClrFunction(engine, trap, (_, args) =>
            {
                if (SandboxGuards.Arg(args, argsAt) is ObjectInstance list && TypeConverter.ToLength(list.Get("length")) > 0)
                    list.Set(0, first(list.Get(0)), throwOnError: true);
                return engine.Call(forward, JsValue.Undefined, args);
            }, 3, PropertyFlag.Configurable));
        }
        var guarded = engine.Construct(engine.GetValue("Proxy"), [original, handler]);
        var hidden = new PropertyDescriptor(guarded, writable: true, enumerable: false, configurable: true);
        ((ObjectInstance)original.Get("prototype")).DefineOwnProperty("constructor", hidden);
        engine.Global.DefineOwnProperty(name, hidden);
    }

    /// <summary>The pattern <c>new RegExp</c> and <c>compile</c> get, once it is known to be short enough.</summary>
    private static JsValue Pattern(JsValue pattern)
    {
        // A RegExp argument reuses a pattern that was already bounded when it was compiled.
        if (pattern.IsUndefined() || pattern is JsRegExp) return pattern;
        var text = TypeConverter.ToString(pattern);
        if (text.Length > MaxPatternLength)
            throw new SandboxLimitException($"regex: a pattern of {text.Length} characters; at most {MaxPatternLength} are compiled");
        return text;
    }

    internal static void RefuseLongString(Engine engine, JsValue stringValueOf, JsValue value, string name)
    {
        long length;
        if (value.IsString()) length = value.AsString().Length;
        // A String object (new String(s)) has the same index keys; its own length cannot be redefined.
        else if (value is ObjectInstance o && o.GetOwnProperty("length") is { Writable: false, Configurable: false, Value: JsNumber } own && IsStringObject(engine, stringValueOf, o))
            length = (long)own.Value.AsNumber();
        else return;
        if (length > MappingSandbox.MaxArraySize)
            throw new SandboxLimitException($"{name}: a string of {length} characters has a key per character; at most {MappingSandbox.MaxArraySize} keys are allowed");
    }

    private static bool IsStringObject(Engine engine, JsValue stringValueOf, ObjectInstance o)
    {
        try
        {
            engine.Call(stringValueOf, o, []);
            return true;
        }
        catch (JavaScriptException)
        {
            return false;
        }
    }

    /// <summary>RegExp.prototype[Symbol.match] for a global regex, as the specification writes it, counting as it goes.</summary>
    private static JsValue MatchAll(Engine engine, ObjectInstance rx, string s)
    {
        var unicode = TypeConverter.ToString(rx.Get("flags")) is var flags && (flags.Contains('u') || flags.Contains('v'));
        rx.Set("lastIndex", 0, throwOnError: true);
        var exec = rx.Get("exec");
        var found = new List<JsValue>();
        while (true)
        {
            var result = engine.Call(exec, rx, [s]);
            if (result.IsNull()) break;
            if (found.Count >= MappingSandbox.MaxArraySize)
                throw new SandboxLimitException($"match: more than {MappingSandbox.MaxArraySize} matches");
            // Each match allocates its result object: the run's memory limit is checked as they add up.
            if ((found.Count & 255) == 255) engine.Constraints.Check();
            var text = TypeConverter.ToString(((ObjectInstance)result).Get("0"));
            found.Add(text);
            if (text.Length == 0)
            {
                var index = TypeConverter.ToLength(rx.Get("lastIndex"));
                rx.Set("lastIndex", Advance(s, index, unicode), throwOnError: true);
            }
        }
        return found.Count == 0 ? JsValue.Null : new JsArray(engine, [.. found]);
    }

    private static double Advance(string s, ulong index, bool unicode)
    {
        if (!unicode || index + 1 >= (ulong)s.Length) return index + 1;
        return char.IsHighSurrogate(s[(int)index]) && char.IsLowSurrogate(s[(int)index + 1]) ? index + 2 : index + 1;
    }

    private static JsValue Encode(Engine engine, JsValue original, JsValue[] args, int maxChars, string name, Func<char, int> escaped)
    {
        var s = TypeConverter.ToString(SandboxGuards.Arg(args, 0));
        double length = 0;
        foreach (var c in s) length += escaped(c);
        SandboxGuards.Refuse(name, length, maxChars);
        return engine.Call(original, JsValue.Undefined, [s]);
    }

    // What one UTF-16 unit becomes: %XX per UTF-8 byte (a surrogate is half of a 4-byte character).
    private static int UriComponentLength(char c) => char.IsAsciiLetterOrDigit(c) || "-_.!~*'()".Contains(c) ? 1 : Utf8Escaped(c);

    private static int UriLength(char c) => ";/?:@&=+$,#".Contains(c) ? 1 : UriComponentLength(c);

    private static int Utf8Escaped(char c) => c < 0x80 ? 3 : c < 0x800 ? 6 : char.IsSurrogate(c) ? 6 : 9;

    // escape() writes %XX below 256 and %uXXXX above.
    private static int EscapeLength(char c) => char.IsAsciiLetterOrDigit(c) || "@*_+-./".Contains(c) ? 1 : c < 0x100 ? 3 : 6;
}
