using System.Net;
using System.Security.Cryptography;
using System.Text;
using Bridge.Configuration;

namespace Bridge.Admin;

/// <summary>
/// Guards <c>/api/...</c>: the configured <c>server.admin_token</c> as a Bearer token, compared in constant time; with
/// no token configured, loopback clients only (the CLI on the same machine), since the API can replay and reveal messages.
/// </summary>
public sealed class AdminAccess(LiveRuntime live) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (Refusal(live.Current.Config.Server.AdminToken, http) is { } detail)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"bridge-admin\"";
            return TypedResults.Problem(detail: detail, statusCode: 401, title: "Unauthorized");
        }
        return await next(context);
    }

    private static string? Refusal(string? token, HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (token is null)
        {
            var remote = http.Connection.RemoteIpAddress;
            return remote is not null && IPAddress.IsLoopback(remote)
                ? null
                : "the admin API answers loopback clients only while server.admin_token is unset";
        }
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return "missing token: send 'Authorization: Bearer <server.admin_token>'";
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..]));
        return CryptographicOperations.FixedTimeEquals(presented, SHA256.HashData(Encoding.UTF8.GetBytes(token))) ? null : "wrong admin token";
    }
}
