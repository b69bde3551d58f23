using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Bridge.Events;
using Bridge.Mappings;
using Bridge.Storage;

namespace Bridge.Silences;

/// <summary>
/// Makes the mute button's URL a mapping gets as <c>ctx.mute</c> (<c>bridge.muteAction(ctx)</c>), and checks the token
/// when the button is pressed. The signing key is the store's: made on the first start and kept there, loaded before
/// the processor starts; it stays in this object. <see cref="Preview"/> (try, test, the playground) has no key and puts
/// <see cref="MuteToken.Preview"/> in the same URL.
/// </summary>
public sealed class MuteLinks : IHostedService
{
    /// <summary>How long the silence a button makes lasts (its label says so).</summary>
    public static readonly TimeSpan SilenceFor = TimeSpan.FromHours(1);

    /// <summary>The button's label.</summary>
    public const string Label = "Mute 1 h";

    /// <summary>How long a button works after its notification was made: a day-old phone notice may still be acted on, a month-old one not.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>The path the button POSTs to, under <c>server.public_url</c>.</summary>
    public const string Path = "/silences/mute";

    private readonly IMuteTokens? _store;
    private readonly TimeProvider _time;
    private volatile byte[]? _key;

    public MuteLinks(IMuteTokens store, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _time = time;
    }

    private MuteLinks() => _time = TimeProvider.System;

    /// <summary>The links of <c>bridge try</c>, <c>bridge test</c> and the playground: the same button, with a placeholder token.</summary>
    public static MuteLinks Preview { get; } = new();

    /// <summary>
    /// The button for a message of <paramref name="ctx"/>'s rule about <paramref name="e"/>: a silence of this rule for
    /// this action and user. Null without <c>server.public_url</c>, or when the event's values hold a <c>*</c> (a silence
    /// would read it as a wildcard and hold more than this button says).
    /// </summary>
    public MuteLink? For(MappingContext ctx, BridgeEvent e, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(e);
        if (ctx.PublicUrl is not { } root || MatchOf(ctx.Rule, e) is not { } match) return null;
        var expires = now + Lifetime;
        string token;
        if (_store is null) token = MuteToken.Preview;
        // Not loaded yet only if a mapping ran before the host started: no button rather than one that cannot work.
        else if (_key is { } key) token = MuteToken.Sign(new MuteClaim(match, SilenceFor, expires, Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12)), e.Id), key);
        else return null;
        return new MuteLink($"{root.TrimEnd('/')}{Path}?t={token}", match, expires, _store is null);
    }

    /// <summary>The claim of a token this bridge signed, or null and why (see <see cref="MuteToken.Verify"/>).</summary>
    public MuteClaim? Verify(string? token, out string? problem)
    {
        if (_key is { } key) return MuteToken.Verify(token, key, out problem);
        problem = "the bridge has no signing key loaded";
        return null;
    }

    /// <summary>Loads the key, or stores a new random one on the very first start.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_store is not null) _key = await _store.GetSigningKeyAsync(RandomNumberGenerator.GetBytes(32), _time.GetUtcNow(), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static SilenceMatch? MatchOf(string rule, BridgeEvent e)
    {
        var user = e.User?.Username;
        if (rule.Contains('*', StringComparison.Ordinal) || e.Action?.Contains('*', StringComparison.Ordinal) == true || user?.Contains('*', StringComparison.Ordinal) == true)
            return null;
        return new SilenceMatch(Action: e.Action, User: user, Rule: rule);
    }
}

/// <summary>A mute button, as <c>ctx.mute</c> shows it.</summary>
/// <param name="Url">Where the button POSTs: <c>{public_url}/silences/mute?t={token}</c>.</param>
/// <param name="Match">The silence it makes.</param>
/// <param name="Expires">After this the token is refused.</param>
/// <param name="Preview">The token is <see cref="MuteToken.Preview"/> (try, test, the playground): it mutes nothing.</param>
public sealed record MuteLink(string Url, SilenceMatch Match, DateTimeOffset Expires, bool Preview)
{
    /// <summary><c>{url, label, for, match, expires, preview}</c>, as JSON the sandbox reads like any event JSON.</summary>
    public JsonElement ToJson()
    {
        var bytes = JsonBytes.Write(this, static (w, link) =>
        {
            w.WriteStartObject();
            w.WriteString("url", link.Url);
            w.WriteString("label", MuteLinks.Label);
            w.WriteNumber("for_seconds", MuteLinks.SilenceFor.TotalSeconds);
            w.WritePropertyName("match");
            JsonSerializer.Serialize(w, link.Match, StoreJson.Default.SilenceMatch);
            w.WriteString("expires", link.Expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteBoolean("preview", link.Preview);
            w.WriteEndObject();
        });
        using var doc = JsonDocument.Parse(bytes);
        return doc.RootElement.Clone();
    }
}
