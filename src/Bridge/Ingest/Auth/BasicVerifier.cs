using System.Buffers.Text;
using Bridge.Configuration;

namespace Bridge.Ingest.Auth;

/// <summary>HTTP Basic (RFC 7617): <c>Authorization: Basic base64(user:password)</c>.</summary>
internal static class BasicVerifier
{
    private const string Scheme = "Basic ";

    public static bool IsPresented(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    public const string Expects = "'Authorization: Basic <base64 of user:password>'";

    public static AuthFailure? Verify(BasicAuthConfig method, HttpRequest request, string source)
    {
        var encoded = request.Headers.Authorization.ToString()[Scheme.Length..].Trim();
        var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
        if (!Convert.TryFromBase64String(encoded, decoded, out var length) || Array.IndexOf(decoded, (byte)':', 0, length) < 0)
            return new AuthFailure("malformed Authorization: Basic header: expected the base64 of user:password");
        // The whole "user:password" is compared at once, so a right user with a wrong password answers like a wrong user.
        var pairs = new List<string>(method.Credentials.Count);
        foreach (var c in method.Credentials) pairs.Add(c.User + ":" + c.Password);
        return ConstantTime.MatchesAny(decoded.AsSpan(0, length), pairs)
            ? null
            : new AuthFailure($"wrong user or password for source '{source}'");
    }
}
