using Bridge.Configuration;
using Serilog.Core;
using Serilog.Events;

namespace Bridge.Hosting;

/// <summary>
/// Replaces every configured secret in every log property (nested values included) with <see cref="Mask"/>, so a
/// secret that reaches a log line by any path (an event body carrying a token, a URL, a library's message) is not
/// written. Message templates are constant text in this code base, so properties are where values live.
/// </summary>
public sealed class SecretRedactor(LiveRuntime live) : ILogEventEnricher
{
    public const string Mask = "***";

    /// <summary>A reference swapped whole, so threads logging at once never see half of an update.</summary>
    private volatile SecretSet? _cache;

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        var secrets = Secrets();
        if (secrets.Count == 0) return;
        List<LogEventProperty>? changed = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            var redacted = Redact(value, secrets);
            if (!ReferenceEquals(redacted, value)) (changed ??= []).Add(new LogEventProperty(name, redacted));
        }
        if (changed is null) return;
        foreach (var property in changed) logEvent.AddOrUpdateProperty(property);
    }

    /// <summary>The secrets of the config in force, recomputed only when a reload brings a new one.</summary>
    private IReadOnlyList<string> Secrets()
    {
        var config = live.Current.Config;
        var cache = _cache;
        if (cache is not null && ReferenceEquals(cache.Config, config)) return cache.Secrets;
        var secrets = ConfiguredSecrets.Of(config);
        _cache = new SecretSet(config, secrets);
        return secrets;
    }

    /// <returns>The same instance when nothing needed redacting, so unchanged properties are not copied.</returns>
    internal static LogEventPropertyValue Redact(LogEventPropertyValue value, IReadOnlyList<string> secrets)
    {
        switch (value)
        {
            case ScalarValue { Value: null }:
                return value;
            case ScalarValue scalar:
                // Not only strings: a Uri or any object whose text holds a secret is replaced by its redacted text.
                var text = scalar.Value as string ?? scalar.Value.ToString() ?? "";
                var redacted = Redact(text, secrets);
                return ReferenceEquals(redacted, text) ? value : new ScalarValue(redacted);
            case SequenceValue sequence:
                var elements = RedactAll(sequence.Elements, secrets);
                return elements is null ? value : new SequenceValue(elements);
            case StructureValue structure:
                List<LogEventProperty>? properties = null;
                for (var i = 0; i < structure.Properties.Count; i++)
                {
                    var p = structure.Properties[i];
                    var v = Redact(p.Value, secrets);
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
                    var key = (ScalarValue)Redact(k, secrets);
                    var item = Redact(v, secrets);
                    changed |= !ReferenceEquals(key, k) || !ReferenceEquals(item, v);
                    pairs.Add(new(key, item));
                }
                return changed ? new DictionaryValue(pairs) : value;
            default:
                return value;
        }
    }

    private static List<LogEventPropertyValue>? RedactAll(IReadOnlyList<LogEventPropertyValue> values, IReadOnlyList<string> secrets)
    {
        List<LogEventPropertyValue>? result = null;
        for (var i = 0; i < values.Count; i++)
        {
            var v = Redact(values[i], secrets);
            if (result is null && ReferenceEquals(v, values[i])) continue;
            result ??= [.. values.Take(i)];
            result.Add(v);
        }
        return result;
    }

    private static string Redact(string text, IReadOnlyList<string> secrets)
    {
        var result = text;
        foreach (var secret in secrets)
        {
            if (result.Contains(secret, StringComparison.Ordinal)) result = result.Replace(secret, Mask, StringComparison.Ordinal);
        }
        return result;
    }

    private sealed record SecretSet(BridgeConfig Config, IReadOnlyList<string> Secrets);
}
