using System.Net;
using System.Security.Cryptography;
using System.Text;
using Bridge.Configuration;

namespace Bridge.Admin;

/// <summary>
/// Guards <c>/api/...</c>: the configured <c>server.admin_token</c> as a Bearer token, compared in constant time; with
/// no token configured, loopback clients only (the CLI on the same machine), since the API can replay and reveal messages.
/// Cross-site browser requests are refused either way: a web page must not be able to drive the API through the
/// browser of someone on the bridge's machine (CSRF).
/// </summary>
public sealed class AdminAccess(LiveRuntime live) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (CrossSite(http.Request) is { } crossSite)
            return TypedResults.Problem(detail: crossSite, statusCode: 403, title: "Forbidden");
        if (Refusal(live.Current.Config.Server.AdminToken, http) is { } detail)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"bridge-admin\"";
            return TypedResults.Problem(detail: detail, statusCode: 401, title: "Unauthorized");
        }
        return await next(context);
    }

    /// <summary>Browsers mark cross-site requests; the CLI and scripts send neither header.</summary>
    internal static string? CrossSite(HttpRequest request)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite is "cross-site" or "same-site") return "the admin API refuses cross-site browser requests";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return null;
        return Uri.TryCreate(origin, UriKind.Absolute, out var o) && string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            ? null
            : "the admin API refuses requests from another origin";
    }

    /// <summary>With no admin token: why this client may not use the API (or the dashboard), or null for a direct loopback client.</summary>
    internal static string? LoopbackRefusal(HttpContext http)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null || !IPAddress.IsLoopback(remote)) return "the admin API answers loopback clients only while server.admin_token is unset";
        // A reverse proxy on the same machine connects from loopback on behalf of anyone: without a token, that is not enough.
        if (http.Request.Headers.ContainsKey("X-Forwarded-For") || http.Request.Headers.ContainsKey("Forwarded"))
            return "the admin API does not answer proxied requests while server.admin_token is unset";
        return null;
    }

    private static string? Refusal(string? token, HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (token is null) return LoopbackRefusal(http);
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return "missing token: send 'Authorization: Bearer <server.admin_token>'";
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..]));
        return CryptographicOperations.FixedTimeEquals(presented, SHA256.HashData(Encoding.UTF8.GetBytes(token))) ? null : "wrong admin token";
    }
}
