using Serilog.Events;

namespace Bridge.Hosting;

/// <summary>Rewrites every string in a log property value, nested ones included, copying only what changed.</summary>
internal static class LogValues
{
    /// <param name="rewrite">Returns its argument (the same instance) when the text needs no change.</param>
    /// <returns>The same instance when nothing changed, so unchanged properties are not copied.</returns>
    public static LogEventPropertyValue Rewrite(LogEventPropertyValue value, Func<string, string> rewrite)
    {
        switch (value)
        {
            case ScalarValue { Value: null }:
                return value;
            case ScalarValue scalar:
                // Not only strings: a Uri or any object whose text needs rewriting is replaced by its rewritten text.
                var text = scalar.Value as string ?? scalar.Value.ToString() ?? "";
                var rewritten = rewrite(text);
                return ReferenceEquals(rewritten, text) ? value : new ScalarValue(rewritten);
            case SequenceValue sequence:
                List<LogEventPropertyValue>? elements = null;
                for (var i = 0; i < sequence.Elements.Count; i++)
                {
                    var v = Rewrite(sequence.Elements[i], rewrite);
                    if (elements is null && ReferenceEquals(v, sequence.Elements[i])) continue;
                    elements ??= [.. sequence.Elements.Take(i)];
                    elements.Add(v);
                }
                return elements is null ? value : new SequenceValue(elements);
            case StructureValue structure:
                List<LogEventProperty>? properties = null;
                for (var i = 0; i < structure.Properties.Count; i++)
                {
                    var p = structure.Properties[i];
                    var v = Rewrite(p.Value, rewrite);
                    if (properties is null && ReferenceEquals(v, p.Value)) continue;
                    properties ??= [.. structure.Properties.Take(i)];
                    properties.Add(new LogEventProperty(p.Name, v));
                }
                return properties is null ? value : new StructureValue(properties, structure.TypeTag);
            case DictionaryValue dictionary:
                var changed = false;
                var pairs = new List<KeyValuePair<ScalarValue, LogEventPropertyValue>>(dictionary.Elements.Count);
                foreach (var (k, v) in dictionary.Elements)
                {
                    var key = (ScalarValue)Rewrite(k, rewrite);
                    var item = Rewrite(v, rewrite);
                    changed |= !ReferenceEquals(key, k) || !ReferenceEquals(item, v);
                    pairs.Add(new(key, item));
                }
                return changed ? new DictionaryValue(pairs) : value;
            default:
                return value;
        }
    }

    /// <summary>Applies <see cref="Rewrite"/> to every property of an event, in place.</summary>
    public static void RewriteAll(LogEvent logEvent, Func<string, string> rewrite)
    {
        List<LogEventProperty>? changed = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            var rewritten = Rewrite(value, rewrite);
            if (!ReferenceEquals(rewritten, value)) (changed ??= []).Add(new LogEventProperty(name, rewritten));
        }
        if (changed is null) return;
        foreach (var property in changed) logEvent.AddOrUpdateProperty(property);
    }
}
