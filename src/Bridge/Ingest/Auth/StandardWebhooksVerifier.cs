using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Bridge.Configuration;

namespace Bridge.Ingest.Auth;

/// <summary>
/// Standard Webhooks (standardwebhooks.com): <c>webhook-signature</c> holds space-separated <c>v1,&lt;base64&gt;</c>
/// HMAC-SHA256 signatures of <c>id.timestamp.body</c>. The timestamp must be within the tolerance of the bridge's clock
/// and the id unseen, so a captured request can neither be replayed later nor at once.
/// </summary>
internal static class StandardWebhooksVerifier
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string Expects = "'webhook-id', 'webhook-timestamp' and 'webhook-signature: v1,<base64>' (Standard Webhooks)";

    /// <summary>Ids longer than this are not remembered, so they are refused: real ids are short (msg_ plus a few dozen characters).</summary>
    public const int MaxIdLength = 256;

    private const string Version = "v1,";

    public static bool IsPresented(HttpRequest request) =>
        request.Headers.ContainsKey(SignatureHeader) || request.Headers.ContainsKey(IdHeader) || request.Headers.ContainsKey(TimestampHeader);

    public static (AuthFailure? Failure, ReplayClaim? Claim) Verify(
        StandardWebhooksAuthConfig method, HttpRequest request, ReadOnlySpan<byte> body, string source, TimeProvider time, ReplayCache replays)
    {
        if (ReadHeaders(request, out var id, out var timestamp, out var signatures) is { } headerProblem) return (headerProblem, null);
        if (id.Length > MaxIdLength) return (new AuthFailure($"{IdHeader} is longer than {MaxIdLength} characters"), null);
        if (CheckTimestamp(timestamp, method.Tolerance, time, out var sent) is { } timeProblem) return (timeProblem, null);
        if (ParseSignatures(signatures) is not { Count: > 0 } presented)
            return (new AuthFailure($"malformed {SignatureHeader}: expected space-separated 'v1,<base64 of 32 bytes>' entries"), null);

        if (!Matches(method.Secrets, id, timestamp, body, presented))
            return (new AuthFailure($"{SignatureHeader} does not match: no configured secret signs this message to any of its v1 signatures"), null);

        // Only a correctly signed request may take an id: otherwise anyone could block a sender's future ids.
        var claim = replays.TryClaim(source, id, sent + method.Tolerance, out var replayed);
        if (claim is not null) return (null, claim);
        return replayed
            ? (new AuthFailure($"{IdHeader} '{id}' was already received: a message is taken once", 409), null)
            : (new AuthFailure("too many signed messages within the replay window; retry later", 503), null);
    }

    private static AuthFailure? ReadHeaders(HttpRequest request, out string id, out string timestamp, out string signatures)
    {
        id = Single(request, IdHeader, out var idCount);
        timestamp = Single(request, TimestampHeader, out var timestampCount);
        signatures = Single(request, SignatureHeader, out var signatureCount);
        var missing = new List<string>(3);
        if (idCount == 0) missing.Add(IdHeader);
        if (timestampCount == 0) missing.Add(TimestampHeader);
        if (signatureCount == 0) missing.Add(SignatureHeader);
        if (missing.Count > 0) return new AuthFailure($"missing header{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}: Standard Webhooks needs all three");
        if (idCount > 1 || timestampCount > 1 || signatureCount > 1) return new AuthFailure("each Standard Webhooks header must be sent once");
        return null;
    }

    private static string Single(HttpRequest request, string header, out int count)
    {
        var values = request.Headers[header];
        count = values.Count == 1 && string.IsNullOrEmpty(values[0]) ? 0 : values.Count;
        return values.ToString();
    }

    private static AuthFailure? CheckTimestamp(string text, TimeSpan tolerance, TimeProvider time, out DateTimeOffset sent)
    {
        sent = default;
        // Seconds since 1970, digits only, and within what DateTimeOffset can hold.
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253_402_300_799)
            return new AuthFailure($"malformed {TimestampHeader}: expected a Unix time in whole seconds");
        sent = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var age = time.GetUtcNow() - sent;
        if (age.Duration() <= tolerance) return null;
        return new AuthFailure(
            $"{TimestampHeader} is {(long)age.Duration().TotalSeconds} s in the {(age > TimeSpan.Zero ? "past" : "future")}, " +
            $"outside the {(long)tolerance.TotalSeconds} s tolerance (an old message, or a clock that is off)");
    }

    private static List<byte[]> ParseSignatures(string header)
    {
        var signatures = new List<byte[]>();
        foreach (var entry in header.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            // Other versions (v1a: asymmetric signatures) are skipped, as the specification asks.
            if (!entry.StartsWith(Version, StringComparison.Ordinal)) continue;
            var buffer = new byte[HMACSHA256.HashSizeInBytes + 3];
            if (Convert.TryFromBase64Chars(entry.AsSpan(Version.Length), buffer, out var length) && length == HMACSHA256.HashSizeInBytes)
                signatures.Add(buffer[..length]);
        }
        return signatures;
    }

    private static bool Matches(IReadOnlyList<string> secrets, string id, string timestamp, ReadOnlySpan<byte> body, List<byte[]> presented)
    {
        var prefix = Encoding.UTF8.GetBytes(id + "." + timestamp + ".");
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var matched = false;
        foreach (var secret in secrets)
        {
            // Config validation has already refused secrets that do not decode.
            if (!StandardWebhooksAuthConfig.TryDecodeSecret(secret, out var key)) continue;
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            hmac.AppendData(prefix);
            hmac.AppendData(body);
            hmac.GetHashAndReset(expected);
            foreach (var signature in presented) matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }
        return matched;
    }
}
