using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace Bridge.Mappings;

/// <summary>The functions <see cref="MappingScript"/> puts in front of template substitutions, for…in, object spread and object rest.</summary>
internal static class ScriptGuards
{
    // A prototype chain longer than this is a Proxy making up prototypes; it is refused rather than walked forever.
    private const int MaxChain = 1000;

    /// <param name="memoryBytes">The run's memory limit, which the text of its template literals is charged against.</param>
    /// <returns>What starts a new run's charge at zero (a pooled sandbox runs many).</returns>
    public static Action Install(Engine engine, long memoryBytes)
    {
        // Template literals build in a pooled buffer that the memory limit does not see, and only between statements:
        // each substitution's text is charged instead, before the literal appends it.
        long templateBytes = 0;
        Define(engine, MappingScript.TextGuard, new ClrFunction(engine, MappingScript.TextGuard, (_, args) =>
        {
            // `${a, b}` becomes $bridgeText(a, b): the comma's value is the last one.
            var text = TypeConverter.ToString(args.Length == 0 ? JsValue.Undefined : args[^1]);
            templateBytes += 2L * text.Length;
            if (templateBytes > memoryBytes)
                throw new SandboxLimitException($"memory: template literals built {templateBytes} bytes of text; the limit is {memoryBytes}");
            return text;
        }, 1, PropertyFlag.Configurable));

        var stringValueOf = ((ObjectInstance)((ObjectInstance)engine.GetValue("String")).Get("prototype")).Get("valueOf");
        Define(engine, MappingScript.KeysGuard, new ClrFunction(engine, MappingScript.KeysGuard, (_, args) =>
        {
            // `{ ...(a, b) }` becomes $bridgeKeys(a, b) as well.
            var value = args.Length == 0 ? JsValue.Undefined : args[^1];
            // for…in also walks the prototype chain: Object.create(new String(s)) has the string's keys.
            var o = value;
            for (var depth = 0; o is not null && !o.IsNull() && !o.IsUndefined(); depth++)
            {
                if (depth == MaxChain) throw new SandboxLimitException($"for…in or spread: a prototype chain longer than {MaxChain}");
                CollectionGuards.RefuseLongString(engine, stringValueOf, o, "for…in, spread or rest");
                o = (o as ObjectInstance)?.Prototype;
            }
            return value;
        }, 1, PropertyFlag.Configurable));
        return () => templateBytes = 0;
    }

    // Neither writable nor configurable: a mapping cannot replace or delete them, and their names are refused in sources.
    private static void Define(Engine engine, string name, JsValue fn) =>
        engine.Global.DefineOwnProperty(name, new PropertyDescriptor(fn, writable: false, enumerable: false, configurable: false));
}
