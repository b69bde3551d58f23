using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Incidents;
using Bridge.Storage;

namespace Bridge.Throttles;

/// <summary>
/// What a throttled rule's mapping sees as <c>ctx.throttle</c> when it makes the digest of a period: how many events it
/// held and passed, the limit, the period, the key, and the distinct values and samples of the held events (the shapes
/// of <c>ctx.group</c>), so the digest's words stay the mapping's.
/// </summary>
public sealed record ThrottleView(DueDigest Digest, ThrottleConfig Config)
{
    /// <summary>The view of a period in which <paramref name="e"/> was held after <c>max</c> passed: what <c>bridge try</c>, <c>bridge test</c> and the playground show as the digest.</summary>
    public static ThrottleView OneHeld(string rule, ThrottleConfig config, BridgeEvent e, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(config);
        var claim = ThrottleClaim.For(rule, "", config, e);
        var start = DateTimeOffset.FromUnixTimeMilliseconds(ThrottleClaim.PeriodStartMs(now.ToUnixTimeMilliseconds(), config.Per));
        return new ThrottleView(new DueDigest(rule, claim.Key, start, start + config.Per, config.Max, config.Max, 1, ThrottleState.Hold(null, claim, now), null), config);
    }

    /// <summary>The object, as JSON the sandbox reads like any event JSON.</summary>
    public JsonElement ToJson()
    {
        var bytes = JsonBytes.Write(this, static (w, view) =>
        {
            var d = view.Digest;
            w.WriteStartObject();
            w.WriteNumber("held", d.Held);
            w.WriteNumber("passed", d.Passed);
            w.WriteNumber("max", d.Max);
            w.WriteNumber("per_seconds", view.Config.Per.TotalSeconds);
            w.WriteString("from", GroupView.Iso(d.From));
            w.WriteString("until", GroupView.Iso(d.Until));
            w.WriteString("first_held", GroupView.Iso(d.State.FirstHeldAt));
            w.WriteString("last_held", GroupView.Iso(d.State.LastHeldAt));
            w.WriteStartObject("key");
            for (var i = 0; i < view.Config.By.Count && i < d.Key.Count; i++) w.WriteString(view.Config.By[i], d.Key[i]);
            w.WriteEndObject();
            GroupView.WriteValues(w, d.State.Values);
            GroupView.WriteSamples(w, d.State.Samples);
            w.WriteEndObject();
        });
        using var doc = JsonDocument.Parse(bytes);
        return doc.RootElement.Clone();
    }
}
