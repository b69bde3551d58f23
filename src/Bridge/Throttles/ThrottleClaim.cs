using System.Globalization;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Incidents;
using Bridge.Storage;

namespace Bridge.Throttles;

/// <summary>
/// A throttled rule's event on its way to the store: which throttle it counts against (the rule and the values of its
/// <c>by</c> fields). The store decides, in the transaction that commits the rule's messages, whether it passes (its
/// messages go in) or is held (they do not, and it is counted into the period's digest), so instances sharing a store
/// never pass more than <c>max</c> per period between them and a crash never counts an event twice.
/// </summary>
/// <param name="Mapping">The rule's mapping as its run log names it.</param>
/// <param name="Key">The values of <see cref="ThrottleConfig.By"/>, in their order (null: the event had none).</param>
/// <param name="Event">The event, for the digest's distinct values and samples.</param>
public sealed record ThrottleClaim(string Rule, string Mapping, ThrottleConfig Config, IReadOnlyList<string?> Key, BridgeEvent Event)
{
    public static ThrottleClaim For(string rule, string mapping, ThrottleConfig config, BridgeEvent e)
    {
        ArgumentNullException.ThrowIfNull(config);
        var key = new string?[config.By.Count];
        for (var i = 0; i < key.Length; i++) key[i] = GroupKeys.Value(e, config.By[i]);
        return new ThrottleClaim(rule, mapping, config, key, e);
    }

    /// <summary>The key as the store keeps it: a JSON array of the values (<c>[]</c> without <c>by</c>).</summary>
    public string KeyText => KeyJson(Key);

    public static string KeyJson(IReadOnlyList<string?> key) => JsonBytes.WriteText(key, static (w, key) =>
    {
        w.WriteStartArray();
        foreach (var value in key) w.WriteStringValue(value);
        w.WriteEndArray();
    });

    /// <summary>The first period start at or before <paramref name="nowMs"/> (Unix milliseconds): periods are aligned to the Unix epoch, so every instance agrees.</summary>
    public static long PeriodStartMs(long nowMs, TimeSpan per)
    {
        var length = (long)per.TotalMilliseconds;
        return nowMs - (((nowMs % length) + length) % length);
    }

    /// <summary>
    /// The run log of a held event: the throttle's reason first, then what the mapping said (it ran, as for every event,
    /// before the store decided), so the event's detail says why nothing was sent and where its count went.
    /// </summary>
    public MappingRunLog HeldLog(MappingRunLog? ran, DateTimeOffset due)
    {
        var line = $"throttled: over {Config.Max} per {Span(Config.Per)} for {Describe(Config.By, Key)}; counted into the digest due at "
            + due.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new MappingRunLog(Rule, Mapping, [line, .. ran?.Console ?? []], ran?.Errors ?? []);
    }

    /// <summary>"user.username=alice", or "the rule" for a throttle without <c>by</c>.</summary>
    public static string Describe(IReadOnlyList<string> by, IReadOnlyList<string?> key) =>
        by.Count == 0 ? "the rule" : string.Join(", ", by.Select((field, i) => $"{field}={(i < key.Count ? key[i] ?? "(none)" : "(none)")}"));

    /// <summary>A period as it is written in the configuration: 10m, 1h, 90s.</summary>
    public static string Span(TimeSpan per) =>
        per.Ticks % TimeSpan.TicksPerHour == 0 ? $"{per.Ticks / TimeSpan.TicksPerHour}h"
        : per.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{per.Ticks / TimeSpan.TicksPerMinute}m"
        : $"{per.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s";
}
