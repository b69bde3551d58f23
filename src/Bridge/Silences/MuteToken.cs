using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bridge.Events;

namespace Bridge.Silences;

/// <summary>
/// What a mute button's token allows: making exactly one silence, of this match and length, once, before
/// <see cref="Expires"/>. Every field is under the signature, so changing any of them breaks it.
/// </summary>
/// <param name="Nonce">Names this token: the store records it when used, so a second use makes nothing.</param>
/// <param name="EventId">The event whose notification carried the button, for the silence's comment.</param>
public sealed record MuteClaim(SilenceMatch Match, TimeSpan For, DateTimeOffset Expires, string Nonce, string EventId);

/// <summary>
/// The token a mute button's URL carries: <c>base64url(payload).base64url(HMAC-SHA256(key, "bridge-mute-v1." + base64url(payload)))</c>,
/// the payload a compact JSON of the <see cref="MuteClaim"/>. The key is the store's (<see cref="MuteLinks"/>); it never
/// reaches a mapping, a log or a notification.
/// </summary>
public static class MuteToken
{
    /// <summary>What try, test and the playground put in the URL: a placeholder, marked as one, that mutes nothing.</summary>
    public const string Preview = "preview-only-not-signed";

    /// <summary>The longest token read: a claim is a few short fields; anything longer is not one of ours.</summary>
    public const int MaxLength = 2048;

    private static readonly byte[] Domain = "bridge-mute-v1."u8.ToArray();

    /// <summary>The signed token for <paramref name="claim"/>.</summary>
    public static string Sign(MuteClaim claim, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var payload = Base64Url.EncodeToString(JsonBytes.Write(claim, static (w, c) =>
        {
            w.WriteStartObject();
            w.WriteStartObject("m");
            Key(w, "action", c.Match.Action);
            Key(w, "user", c.Match.User);
            Key(w, "group", c.Match.Group);
            Key(w, "client_ip", c.Match.ClientIp);
            Key(w, "rule", c.Match.Rule);
            Key(w, "source", c.Match.Source);
            w.WriteEndObject();
            w.WriteNumber("f", (long)c.For.TotalSeconds);
            w.WriteNumber("x", c.Expires.ToUnixTimeSeconds());
            w.WriteString("n", c.Nonce);
            w.WriteString("e", c.EventId);
            w.WriteEndObject();
        }));
        return payload + "." + Base64Url.EncodeToString(Mac(payload, key));
    }

    /// <summary>
    /// The claim a token carries when its signature is the key's; otherwise null and why. The signature is compared in
    /// constant time and checked before the payload is read, so nothing of an altered token is believed.
    /// </summary>
    public static MuteClaim? Verify(string? token, ReadOnlySpan<byte> key, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(token))
        {
            problem = "the URL carries no token (?t=…): use the button of a notification";
            return null;
        }
        if (token == Preview)
        {
            problem = "this is the placeholder bridge try, bridge test and the playground show: it mutes nothing; the notifications serve sends carry a signed token";
            return null;
        }
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (token.Length > MaxLength || dot <= 0 || !Base64Url.IsValid(token.AsSpan(0, dot)) || !Base64Url.IsValid(token.AsSpan(dot + 1)))
        {
            problem = "the token is not a mute token (it was cut or changed)";
            return null;
        }
        var payload = token[..dot];
        var signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        if (!CryptographicOperations.FixedTimeEquals(signature, Mac(payload, key)))
        {
            problem = "the token's signature does not match: it was changed, or another bridge (or an earlier signing key) made it";
            return null;
        }
        // Signed by us, so well formed; a failure here is a bug in Sign, reported as a bad token rather than a 500.
        try
        {
            using var doc = JsonDocument.Parse(Base64Url.DecodeFromChars(payload));
            var root = doc.RootElement;
            var m = root.GetProperty("m");
            var match = new SilenceMatch(Text(m, "action"), Text(m, "user"), Text(m, "group"), Text(m, "client_ip"), Text(m, "rule"), Text(m, "source"));
            return new MuteClaim(match, TimeSpan.FromSeconds(root.GetProperty("f").GetInt64()), DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("x").GetInt64()),
                root.GetProperty("n").GetString()!, root.GetProperty("e").GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            problem = "the token's payload cannot be read";
            return null;
        }
    }

    private static byte[] Mac(string payload, ReadOnlySpan<byte> key)
    {
        var signed = new byte[Domain.Length + payload.Length];
        Domain.CopyTo(signed, 0);
        Encoding.ASCII.GetBytes(payload, signed.AsSpan(Domain.Length));
        return HMACSHA256.HashData(key, signed);
    }

    private static void Key(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    private static string? Text(JsonElement obj, string name) => obj.TryGetProperty(name, out var v) ? v.GetString() : null;
}
