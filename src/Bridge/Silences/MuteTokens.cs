using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;

namespace Bridge.Silences;

/// <summary>
/// The signed, expiring tokens behind a notification's "Mute 1 h" button (<c>ctx.mute_url</c>): each can make one
/// silence only, of the rule, user and action of the event it was made for, and nothing else, so no admin token ever goes
/// into a notification. Signed with HMAC-SHA256 under a key derived from <c>server.admin_token</c> (changing the token
/// voids every button out there); without an admin token or a <c>server.public_url</c> there are no buttons.
/// </summary>
public static class MuteTokens
{
    /// <summary>How long a button works after its notification was made.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>How long the silence a button makes lasts.</summary>
    public static readonly TimeSpan SilenceFor = TimeSpan.FromHours(1);

    private static readonly byte[] KeyLabel = Encoding.UTF8.GetBytes("bridge mute button v1");

    /// <summary>The button's URL for <paramref name="e"/> under <paramref name="rule"/>; null when buttons are off.</summary>
    /// <param name="dedupeKey">The event's key (an incident's id for its cards): the token's nonce, so a redelivery carries the same button.</param>
    public static string? Url(ServerConfig server, string rule, BridgeEvent e, string dedupeKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(e);
        if (server.PublicUrl is not { } publicUrl || Key(server) is not { } key) return null;
        var nonce = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{dedupeKey}\u001f{rule}")))[..12];
        var payload = JsonBytes.Write((rule, e, nonce, now), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("n", s.nonce);
            w.WriteString("r", s.rule);
            if (s.e.Action is not null) w.WriteString("a", s.e.Action);
            if (s.e.User?.Username is { } user) w.WriteString("u", user);
            w.WriteNumber("x", (s.now + Lifetime).ToUnixTimeSeconds());
            w.WriteEndObject();
        });
        var body = Base64Url(payload);
        return new Uri(publicUrl, "mute/" + body + "." + Base64Url(Sign(key, body))).ToString();
    }

    /// <summary>Checks a token; the silence it may make (id, match, end) or why not, as a problem to answer.</summary>
    public static (MuteGrant? Grant, int Status, string Problem) Check(ServerConfig server, string token, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(token);
        if (server.PublicUrl is null || Key(server) is not { } key) return (null, 404, "mute buttons are off: they need server.admin_token and server.public_url");
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !TryBase64Url(token[(dot + 1)..], out var signature) || !TryBase64Url(token[..dot], out var payload))
            return (null, 400, "not a mute token");
        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(key, token[..dot])))
            return (null, 403, "the token's signature does not match: it was altered, or signed under another admin token");
        using var doc = JsonDocument.Parse(payload);
        var p = doc.RootElement;
        var expires = DateTimeOffset.FromUnixTimeSeconds(p.GetProperty("x").GetInt64());
        if (now >= expires) return (null, 410, $"this mute button expired at {expires:yyyy-MM-dd HH:mm:ss}Z ({Lifetime.TotalHours:0} h after its notification)");
        var match = new SilenceMatch(Action: Text(p, "a"), User: Text(p, "u"), Rule: Text(p, "r"));
        return (new MuteGrant("sil_" + p.GetProperty("n").GetString(), new SilenceRequest(match, SilenceFor, $"muted for {SilenceFor.TotalHours:0} h from a notification")), 0, "");
    }

    private static string? Text(JsonElement p, string key) => p.TryGetProperty(key, out var v) ? v.GetString() : null;

    private static byte[]? Key(ServerConfig server) =>
        server.AdminToken is { Length: > 0 } token ? HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), KeyLabel) : null;

    private static byte[] Sign(byte[] key, string body) => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(body));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryBase64Url(string text, out byte[] bytes)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        bytes = [];
        try
        {
            bytes = Convert.FromBase64String(padded);
            return bytes.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>What a valid mute token allows: this one silence, under this id (so a second use finds it taken).</summary>
public sealed record MuteGrant(string SilenceId, SilenceRequest Request);
