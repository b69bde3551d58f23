using System.Text.Json;
using Jint;
using Jint.Native;
using Jint.Native.Object;

namespace Bridge.Mappings;

/// <summary>
/// A JSON object of the event (its <c>raw</c> body, its <c>context</c>) as a script object whose properties are made
/// the first time anything looks at it: most mappings read a few fields and never touch the rest of a 2 KB body, and
/// building all of it cost about a fifth of a default mapping run. Jint calls <see cref="Initialize"/> before any own
/// property is read, listed, defined or deleted, and so does making it non-extensible (below), so a script cannot tell
/// it from what <c>JSON.parse</c> makes. What a run fills in counts against its memory limit. The element must outlive
/// the run (it is the event's, which the run holds).
/// </summary>
internal sealed class LazyJsonObject : ObjectInstance
{
    private JsonElement _element;

    private LazyJsonObject(Engine engine, JsonElement element) : base(engine) => _element = element;

    /// <summary>What <c>JSON.parse</c> makes of the element's text; objects at any depth are filled in on first use.</summary>
    public static JsValue From(Engine engine, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                return new LazyJsonObject(engine, element);
            case JsonValueKind.Array:
                var items = new JsValue[element.GetArrayLength()];
                var i = 0;
                foreach (var item in element.EnumerateArray()) items[i++] = From(engine, item);
                return new JsArray(engine, items);
            case JsonValueKind.String:
                return JsString.Create(element.GetString()!);
            case JsonValueKind.Number:
                return JsNumber.Create(element.GetDouble());
            case JsonValueKind.True:
                return JsBoolean.True;
            case JsonValueKind.False:
                return JsBoolean.False;
            default:
                return JsValue.Null;
        }
    }

    // Jint does not initialise an object it makes non-extensible, and a non-extensible one could not be filled in after.
    public override bool PreventExtensions()
    {
        EnsureInitialized();
        return base.PreventExtensions();
    }

    protected override void Initialize()
    {
        // Own data properties in the order given, as JSON.parse defines them: a "__proto__" key is a key, and a repeated
        // key keeps its first place with its last value.
        foreach (var p in _element.EnumerateObject()) CreateDataProperty(p.Name, From(Engine, p.Value));
        _element = default;
    }
}
