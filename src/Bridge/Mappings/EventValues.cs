using System.Globalization;
using System.Text.Json;
using Bridge.Events;
using Jint;
using Jint.Native;

namespace Bridge.Mappings;

/// <summary>
/// The <c>event</c> and <c>ctx</c> a mapping gets, built straight from the event and its JSON elements: the same values,
/// keys and key order that writing them as JSON (<see cref="EventJson"/>) and parsing that with <c>JSON.parse</c>
/// gives, without the text in between (that round trip cost as much as the default mapping itself). The fixed
/// objects use shared layouts, so every run's event has one hidden class and scripts read it monomorphically.
/// </summary>
internal static class EventValues
{
    private static readonly JsObjectLayout EventLayout = new(
        "id", "source", "action", "severity", "app", "model", "client_ip", "user", "recipient", "context", "summary", "created", "raw");

    private static readonly JsObjectLayout UserLayout = new("pk", "username", "email", "groups");

    private static readonly JsObjectLayout ContextLayout = new("rule", "topic", "destination", "source", "base_url", "public_url", "now", "group", "mute", "throttle");

    public static JsValue Event(Engine engine, BridgeEvent e) => JsObject.Create(engine, EventLayout,
    [
        Text(e.Id), Text(e.Source), Text(e.Action), Text(e.Severity), Text(e.App), Text(e.Model), Text(e.ClientIp),
        User(engine, e.User), User(engine, e.Recipient), e.Context is { } context ? LazyJsonObject.From(engine, context) : JsValue.Null,
        Text(e.Summary), Text(e.Created), LazyJsonObject.From(engine, e.Raw),
    ]);

    /// <param name="now">The run's instant, written as Date.prototype.toISOString writes it, so <c>new Date(ctx.now)</c> round-trips.</param>
    public static JsValue Context(Engine engine, MappingContext ctx, DateTimeOffset now) => JsObject.Create(engine, ContextLayout,
    [
        Text(ctx.Rule), Text(ctx.Topic), Text(ctx.Destination), Text(ctx.Source), Text(ctx.BaseUrl), Text(ctx.PublicUrl),
        Text(now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
        ctx.Group is { } group ? LazyJsonObject.From(engine, group.ToJson()) : JsValue.Null,
        ctx.Mute is { } mute ? LazyJsonObject.From(engine, mute.ToJson()) : JsValue.Null,
        ctx.Throttle is { } throttle ? LazyJsonObject.From(engine, throttle.ToJson()) : JsValue.Null,
    ]);

    private static JsValue Text(string? s) => s is null ? JsValue.Null : JsString.Create(s);

    private static JsValue User(Engine engine, EventUser? user)
    {
        if (user is null) return JsValue.Null;
        var groups = new JsValue[user.Groups.Count];
        for (var i = 0; i < groups.Length; i++) groups[i] = JsString.Create(user.Groups[i]);
        return JsObject.Create(engine, UserLayout, [Text(user.Pk), Text(user.Username), Text(user.Email), new JsArray(engine, groups)]);
    }
}
