using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Native.Symbol;
using Jint.Runtime;

namespace Bridge.Mappings;

/// <summary>
/// Guards for the built-ins that read the text of every string in an array in one native call. Jint keeps
/// <c>s + i</c> and <c>s.slice(i)</c> as references into <c>s</c> until something needs their characters, so an
/// array of 50 of them costs nothing, and then <c>sort()</c>, <c>new Set(a)</c>, <c>new Map(…)</c> or
/// <c>Object.fromEntries</c> built 389 MB at once (each string copied out), and <c>indexOf</c>/<c>includes</c>
/// compared for seconds; <c>new Intl.ListFormat().format(a)</c> built 1.8 GB. Each guard adds up the characters the call would read, before it runs, and refuses past the
/// sandbox's string limit; a comparator or an iterator written in script runs under the run's own limits instead.
/// </summary>
internal static class FlatteningGuards
{
    public static void Install(Engine engine, int maxChars)
    {
        var arrays = (ObjectInstance)((ObjectInstance)engine.GetValue("Array")).Get("prototype");
        foreach (var name in new[] { "sort", "toSorted" })
        {
            SandboxGuards.Wrap(engine, arrays, name, 1, (original, self, args) =>
            {
                if (SandboxGuards.Arg(args, 0).IsUndefined() && self is ObjectInstance o) Refuse(name, Characters(o, entries: false, length: null), maxChars);
                return engine.Call(original, self, args);
            });
        }
        foreach (var name in new[] { "indexOf", "lastIndexOf", "includes" })
        {
            SandboxGuards.Wrap(engine, arrays, name, 1, (original, self, args) =>
            {
                // Only strings of the searched one's length are compared character by character.
                if (SandboxGuards.Arg(args, 0) is JsString search && self is ObjectInstance o) Refuse(name, Characters(o, entries: false, search.Length), maxChars);
                return engine.Call(original, self, args);
            });
        }
        // Iterables are read in full natively (an array's iterator runs no script): they are taken as an array first, so
        // the strings they hold can be counted. Only the interleaving of an iterator's steps with the callee's work changes.
        var arrayFrom = ((ObjectInstance)engine.GetValue("Array")).Get("from");
        JsValue Listed(JsValue value) =>
            value is ObjectInstance o && !o.IsArray() && o.Get(GlobalSymbolRegistry.Iterator) is ObjectInstance ? engine.Call(arrayFrom, engine.GetValue("Array"), [value]) : value;
        SandboxGuards.Wrap(engine, (ObjectInstance)engine.GetValue("Object"), "fromEntries", 1, (original, self, args) =>
        {
            var entries = Listed(SandboxGuards.Arg(args, 0));
            if (entries is ObjectInstance o) Refuse("Object.fromEntries", Characters(o, entries: true, length: null), maxChars);
            return engine.Call(original, self, [entries]);
        });
        CollectionGuards.GuardConstructor(engine, "Set", values =>
        {
            values = Listed(values);
            if (values is ObjectInstance o) Refuse("new Set", Characters(o, entries: false, length: null), maxChars);
            return values;
        });
        CollectionGuards.GuardConstructor(engine, "Map", entries =>
        {
            entries = Listed(entries);
            if (entries is ObjectInstance o) Refuse("new Map", Characters(o, entries: true, length: null), maxChars);
            return entries;
        });
        if (engine.GetValue("Intl") is ObjectInstance intl && intl.Get("ListFormat") is ObjectInstance listFormat)
        {
            var lists = (ObjectInstance)listFormat.Get("prototype");
            foreach (var name in new[] { "format", "formatToParts" })
            {
                SandboxGuards.Wrap(engine, lists, name, 1, (original, self, args) =>
                {
                    var list = Listed(SandboxGuards.Arg(args, 0));
                    if (list is ObjectInstance o) Refuse($"Intl.ListFormat {name}", Characters(o, entries: false, length: null), maxChars);
                    return engine.Call(original, self, [list]);
                });
            }
        }
    }

    /// <summary>
    /// The characters of the strings in an array or array-like (or of each entry's key), counting only strings of
    /// <paramref name="length"/> when given.
    /// </summary>
    private static double Characters(ObjectInstance o, bool entries, int? length)
    {
        // Arrays and array-likes (sort.call({ length: 50, ... })) alike: past MaxArraySize the callee refuses by itself.
        var count = Math.Min(TypeConverter.ToLength(o.Get("length")), MappingSandbox.MaxArraySize);
        double total = 0;
        for (ulong i = 0; i < count; i++)
        {
            var item = o.Get(i);
            if (entries) item = item is ObjectInstance entry ? entry.Get(0) : JsValue.Undefined;
            if (item is JsString s && (length is null || s.Length == length)) total += s.Length;
        }
        return total;
    }

    private static void Refuse(string name, double characters, int maxChars)
    {
        if (characters > maxChars)
            throw new SandboxLimitException($"string length: {name} would read {characters:0} characters of strings; at most {maxChars} are allowed");
    }
}
