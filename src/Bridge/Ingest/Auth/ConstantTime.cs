using System.Security.Cryptography;
using System.Text;

namespace Bridge.Ingest.Auth;

/// <summary>Comparisons whose duration says nothing about how much of a secret a guess got right.</summary>
internal static class ConstantTime
{
    /// <summary>
    /// Whether <paramref name="presented"/> equals any of <paramref name="secrets"/>. Fixed-length SHA-256 digests are
    /// compared, so neither content nor length leaks, and every secret is compared even after a match.
    /// </summary>
    public static bool MatchesAny(ReadOnlySpan<byte> presented, IReadOnlyList<string> secrets)
    {
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> secretHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(presented, presentedHash);
        var matched = false;
        foreach (var secret in secrets)
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(secret), secretHash);
            matched |= CryptographicOperations.FixedTimeEquals(presentedHash, secretHash);
        }
        return matched;
    }
}
