using System.Security.Cryptography;
using System.Text;
using Bridge.Configuration;
using Microsoft.Extensions.Primitives;

namespace Bridge.Ingest;

/// <summary>Why a hook request was refused, in words safe to send back (never the expected token).</summary>
public sealed record AuthFailure(string Detail);

/// <summary>
/// Checks a hook request against its source's tokens: <c>Authorization: Bearer &lt;token&gt;</c>, or <c>?token=</c> for
/// Authentik releases before 2025.4, which cannot send headers.
/// </summary>
public static class SourceAuthenticator
{
    public const string QueryParameter = "token";

    /// <returns>null when the request may pass; otherwise the reason it may not.</returns>
    public static AuthFailure? Check(SourceConfig source, HttpRequest request)
    {
        if (source.AuthNone) return null;

        var presented = PresentedToken(request, out var failure);
        if (failure is not null) return failure;
        if (presented is null)
            return new AuthFailure($"missing token: send 'Authorization: Bearer <token>' or add ?{QueryParameter}=<token> to the URL");

        // Compare fixed-length digests so neither the content nor the length of a token leaks through timing.
        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var accepted = false;
        foreach (var token in source.Tokens)
        {
            accepted |= CryptographicOperations.FixedTimeEquals(presentedHash, SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        }
        return accepted ? null : new AuthFailure($"wrong token for source '{source.Name}'");
    }

    private static string? PresentedToken(HttpRequest request, out AuthFailure? failure)
    {
        failure = null;
        var header = request.Headers.Authorization;
        if (!StringValues.IsNullOrEmpty(header))
        {
            var value = header.ToString();
            const string scheme = "Bearer ";
            if (value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return value[scheme.Length..].Trim();
            failure = new AuthFailure("unsupported Authorization scheme: use 'Authorization: Bearer <token>'");
            return null;
        }
        var query = request.Query[QueryParameter];
        return StringValues.IsNullOrEmpty(query) ? null : query.ToString();
    }
}
