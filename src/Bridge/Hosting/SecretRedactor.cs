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
        if (secrets.Secrets.Count == 0) return;
        LogValues.RewriteAll(logEvent, secrets.Redact);
    }

    /// <summary>The secrets of the config in force, recomputed only when a reload brings a new one.</summary>
    private SecretSet Secrets()
    {
        var config = live.Current.Config;
        var cache = _cache;
        if (cache is not null && ReferenceEquals(cache.Config, config)) return cache;
        cache = new SecretSet(config, ConfiguredSecrets.Of(config));
        _cache = cache;
        return cache;
    }

    /// <returns>The same instance when nothing needed redacting, so unchanged properties are not copied.</returns>
    internal static LogEventPropertyValue Redact(LogEventPropertyValue value, IReadOnlyList<string> secrets) =>
        LogValues.Rewrite(value, text => Redact(text, secrets));

    private static string Redact(string text, IReadOnlyList<string> secrets)
    {
        var result = text;
        // By index: a foreach over the interface allocates an enumerator, and this runs for every text in every log line.
        for (var i = 0; i < secrets.Count; i++)
        {
            var secret = secrets[i];
            if (result.Contains(secret, StringComparison.Ordinal)) result = result.Replace(secret, Mask, StringComparison.Ordinal);
        }
        return result;
    }

    private sealed record SecretSet(BridgeConfig Config, IReadOnlyList<string> Secrets)
    {
        /// <summary>Made once per config, so redacting an event allocates no delegate.</summary>
        public Func<string, string> Redact { get; } = text => SecretRedactor.Redact(text, Secrets);
    }
}
