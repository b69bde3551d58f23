using Bridge.Configuration;
using Microsoft.Extensions.Primitives;

namespace Bridge.Ingest.Auth;

/// <summary>A shared token in <c>Authorization: Bearer</c> or in the <c>token</c> query parameter.</summary>
internal static class TokenVerifier
{
    public const string QueryParameter = "token";
    private const string Scheme = "Bearer ";

    public static bool IsPresented(TokenAuthConfig method, HttpRequest request) => Presented(method, request) is not null;

    public static string Expects(TokenAuthConfig method) => (method.InHeader, method.InQuery) switch
    {
        (true, true) => $"'Authorization: Bearer <token>' or ?{QueryParameter}=<token> in the URL",
        (true, false) => "'Authorization: Bearer <token>'",
        _ => $"?{QueryParameter}=<token> in the URL",
    };

    public static AuthFailure? Verify(TokenAuthConfig method, HttpRequest request, string source)
    {
        var presented = Presented(method, request);
        if (presented is null) return new AuthFailure($"missing token: send {Expects(method)}");
        return ConstantTime.MatchesAny(System.Text.Encoding.UTF8.GetBytes(presented), method.Tokens)
            ? null
            : new AuthFailure($"wrong token for source '{source}'");
    }

    /// <summary>The header wins over the query: a sender able to set headers means the header.</summary>
    private static string? Presented(TokenAuthConfig method, HttpRequest request)
    {
        if (method.InHeader && BearerToken(request) is { } bearer) return bearer;
        if (!method.InQuery) return null;
        var query = request.Query[QueryParameter];
        return StringValues.IsNullOrEmpty(query) ? null : query.ToString();
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : null;
    }
}
