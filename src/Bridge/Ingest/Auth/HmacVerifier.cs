using System.Security.Cryptography;
using System.Text;
using Bridge.Configuration;

namespace Bridge.Ingest.Auth;

/// <summary>
/// An HMAC of the exact body bytes in one header, as GitHub (<c>X-Hub-Signature-256: sha256=&lt;hex&gt;</c>) and many
/// other senders sign. Every configured secret is tried, so a secret can be rotated.
/// </summary>
internal static class HmacVerifier
{
    /// <summary>GitHub's scheme, as a generic HMAC.</summary>
    public static HmacAuthConfig ForGitHub(GitHubAuthConfig github) =>
        new(GitHubAuthConfig.Header, HmacAlgorithm.Sha256, SignatureEncoding.Hex, "sha256=", github.Secrets) { Path = github.Path };

    public static bool IsPresented(HmacAuthConfig method, HttpRequest request) => request.Headers.ContainsKey(method.Header);

    public static string Expects(HmacAuthConfig method) => $"'{method.Header}: {ValueFormat(method)}'";

    private static string ValueFormat(HmacAuthConfig method) =>
        $"{method.Prefix}<{(method.Encoding == SignatureEncoding.Hex ? "hex" : "base64")} HMAC-{Name(method.Algorithm)} of the body>";

    public static AuthFailure? Verify(HmacAuthConfig method, HttpRequest request, ReadOnlySpan<byte> body)
    {
        var values = request.Headers[method.Header];
        if (values.Count != 1) return new AuthFailure($"{method.Header} must be sent once, not {values.Count} times");
        var value = values.ToString().Trim();
        var hashSize = HashSize(method.Algorithm);
        if (!value.StartsWith(method.Prefix, StringComparison.OrdinalIgnoreCase)
            || !TryDecode(value.AsSpan(method.Prefix.Length), method.Encoding, hashSize, out var presented))
        {
            return new AuthFailure($"malformed {method.Header}: expected {ValueFormat(method)}, {hashSize} bytes");
        }

        Span<byte> expected = stackalloc byte[HashSize(HmacAlgorithm.Sha512)];
        expected = expected[..hashSize];
        var matched = false;
        foreach (var secret in method.Secrets)
        {
            Compute(method.Algorithm, Encoding.UTF8.GetBytes(secret), body, expected);
            matched |= CryptographicOperations.FixedTimeEquals(expected, presented);
        }
        return matched ? null : new AuthFailure($"{method.Header} does not match: no configured secret signs this body to it");
    }

    private static bool TryDecode(ReadOnlySpan<char> text, SignatureEncoding encoding, int size, out byte[] bytes)
    {
        bytes = new byte[size];
        if (encoding == SignatureEncoding.Hex)
        {
            return text.Length == size * 2
                && Convert.FromHexString(text, bytes, out _, out var written) == System.Buffers.OperationStatus.Done
                && written == size;
        }
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64Chars(text, buffer, out var length) || length != size) return false;
        buffer.AsSpan(0, size).CopyTo(bytes);
        return true;
    }

    private static void Compute(HmacAlgorithm algorithm, byte[] key, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        switch (algorithm)
        {
#pragma warning disable CA5350 // Some senders only sign with HMAC-SHA1; as a MAC (not a bare hash) it is not broken.
            case HmacAlgorithm.Sha1: HMACSHA1.HashData(key, body, destination); break;
#pragma warning restore CA5350
            case HmacAlgorithm.Sha512: HMACSHA512.HashData(key, body, destination); break;
            default: HMACSHA256.HashData(key, body, destination); break;
        }
    }

    private static int HashSize(HmacAlgorithm algorithm) => algorithm switch
    {
        HmacAlgorithm.Sha1 => HMACSHA1.HashSizeInBytes,
        HmacAlgorithm.Sha512 => HMACSHA512.HashSizeInBytes,
        _ => HMACSHA256.HashSizeInBytes,
    };

    private static string Name(HmacAlgorithm algorithm) => algorithm switch
    {
        HmacAlgorithm.Sha1 => "SHA1",
        HmacAlgorithm.Sha512 => "SHA512",
        _ => "SHA256",
    };
}
