using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;

namespace Bridge.Mappings;

/// <summary>
/// <c>JSON.stringify</c> with a size bound. Jint's serializer builds the whole text before anything can check it
/// (an array of 50,000 references to one 1 MB string allocated 8 GB in a probe) and recurses natively on deep
/// objects, so scripts get this instead; the runner also uses it to read what <c>map</c> returned.
/// </summary>
internal sealed class BoundedJson(Engine engine, int maxChars)
{
    private const int MaxDepth = 256;

    /// <summary>The JSON text, or null where <c>JSON.stringify</c> returns undefined (functions, undefined, symbols).</summary>
    public string? Stringify(JsValue value, JsValue replacer, JsValue space)
    {
        var state = new State(engine, maxChars, Gap(space));
        if (replacer is ObjectInstance r)
        {
            if (r.IsCallable()) state.ReplacerFunction = r;
            else if (r.IsArray()) state.PropertyList = PropertyList(r);
        }
        var wrapper = new JsObject(engine);
        wrapper.CreateDataProperty("", value);
        return state.Property(wrapper, "", value, "") ? state.Text.ToString() : null;
    }

    private static string Gap(JsValue space)
    {
        if (space.IsNumber())
        {
            var n = (int)Math.Clamp(TypeConverter.ToIntegerOrInfinity(space), 0, 10);
            return new string(' ', n);
        }
        if (space.IsString())
        {
            var s = space.AsString();
            return s.Length <= 10 ? s : s[..10];
        }
        return "";
    }

    private static List<string> PropertyList(ObjectInstance array)
    {
        var list = new List<string>();
        var length = TypeConverter.ToLength(array.Get("length"));
        for (ulong i = 0; i < length && i < 10_000; i++)
        {
            var item = array.Get(i.ToString(CultureInfo.InvariantCulture));
            if (item.IsString() || item.IsNumber())
            {
                var key = TypeConverter.ToString(item);
                if (!list.Contains(key)) list.Add(key);
            }
        }
        return list;
    }

    private sealed class State(Engine engine, int maxChars, string gap)
    {
        public readonly StringBuilder Text = new();
        public ObjectInstance? ReplacerFunction;
        public List<string>? PropertyList;
        private readonly List<ObjectInstance> _stack = [];
        private int _steps;

        /// <summary>Writes one property value; false when it serialises to nothing (undefined, function, symbol).</summary>
        public bool Property(ObjectInstance holder, string key, JsValue value, string indent)
        {
            // Native recursion is bounded here: Jint's stack guard only protects script calls.
            if (!RuntimeHelpers.TryEnsureSufficientExecutionStack() || _stack.Count >= MaxDepth)
                throw new SandboxLimitException($"JSON: nesting deeper than {MaxDepth} levels");
            if (++_steps % 1024 == 0) engine.Constraints.Check();

            if (value is ObjectInstance withToJson && withToJson.Get("toJSON") is ObjectInstance toJson && toJson.IsCallable())
                value = engine.Call(toJson, value, [key]);
            if (ReplacerFunction is not null)
                value = engine.Call(ReplacerFunction, holder, [key, value]);

            switch (value)
            {
                case var _ when value.IsNull(): Append("null"); return true;
                case var _ when value.IsBoolean(): Append(value.AsBoolean() ? "true" : "false"); return true;
                case var _ when value.IsString(): Quote(value.AsString()); return true;
                case var _ when value.IsNumber():
                    var d = value.AsNumber();
                    Append(double.IsFinite(d) ? TypeConverter.ToString(value) : "null");
                    return true;
                case var _ when value.IsBigInt():
                    throw new JavaScriptException(engine.Intrinsics.TypeError, "Do not know how to serialize a BigInt");
                case ObjectInstance o when !o.IsCallable():
                    if (_stack.Contains(o)) throw new JavaScriptException(engine.Intrinsics.TypeError, "Converting circular structure to JSON");
                    _stack.Add(o);
                    if (o.IsArray()) Array(o, indent); else Object(o, indent);
                    _stack.RemoveAt(_stack.Count - 1);
                    return true;
                default:
                    return false;
            }
        }

        private void Array(ObjectInstance array, string indent)
        {
            var inner = indent + gap;
            var length = TypeConverter.ToLength(array.Get("length"));
            if (length == 0)
            {
                Append("[]");
                return;
            }
            Append("[");
            for (ulong i = 0; i < length; i++)
            {
                if (i > 0) Append(",");
                NewLine(inner);
                var key = i.ToString(CultureInfo.InvariantCulture);
                if (!Property(array, key, array.Get(key), inner)) Append("null");
            }
            NewLine(indent);
            Append("]");
        }

        private void Object(ObjectInstance o, string indent)
        {
            var inner = indent + gap;
            var any = false;
            Append("{");
            foreach (var key in Keys(o))
            {
                var mark = Text.Length;
                if (any) Append(",");
                NewLine(inner);
                Quote(key);
                Append(gap.Length > 0 ? ": " : ":");
                if (Property(o, key, o.Get(key), inner)) any = true;
                else Text.Length = mark;
            }
            if (any) NewLine(indent);
            Append("}");
        }

        private List<string> Keys(ObjectInstance o)
        {
            if (PropertyList is not null) return PropertyList;
            var keys = new List<string>();
            foreach (var key in o.GetOwnPropertyKeys(Types.String))
            {
                if (o.GetOwnProperty(key) is { Enumerable: true }) keys.Add(key.ToString());
            }
            return keys;
        }

        private void NewLine(string indent)
        {
            if (gap.Length == 0) return;
            Append("\n");
            Append(indent);
        }

        private void Quote(string s)
        {
            Reserve(s.Length + 2);
            Text.Append('"');
            for (var i = 0; i < s.Length; i++)
            {
                var c = s[i];
                switch (c)
                {
                    case '"': Text.Append("\\\""); break;
                    case '\\': Text.Append("\\\\"); break;
                    case '\b': Text.Append("\\b"); break;
                    case '\f': Text.Append("\\f"); break;
                    case '\n': Text.Append("\\n"); break;
                    case '\r': Text.Append("\\r"); break;
                    case '\t': Text.Append("\\t"); break;
                    default:
                        // Lone surrogates are escaped as JSON.stringify does, so the text is always valid UTF-16.
                        var lone = char.IsHighSurrogate(c) ? i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1])
                            : char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(s[i - 1]));
                        if (c < 0x20 || lone) Text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else Text.Append(c);
                        break;
                }
            }
            Text.Append('"');
            Reserve(0);
        }

        private void Append(string s)
        {
            Reserve(s.Length);
            Text.Append(s);
        }

        private void Reserve(int more)
        {
            if ((long)Text.Length + more > maxChars)
                throw new SandboxLimitException($"JSON: text longer than {maxChars} characters");
        }
    }
}
