using Bridge.Admin;
using Bridge.Configuration;

namespace Bridge.Dashboard;

/// <summary>
/// Who may see the dashboard and use its actions: a browser with a live session cookie when <c>server.admin_token</c>
/// is set; loopback clients only (not proxied) when it is not, as the admin API. Cross-site requests are refused
/// whatever they carry, the same rule as the API's: with the <c>SameSite=Strict</c> cookie, a page elsewhere can
/// neither read nor drive the dashboard through a signed-in browser.
/// </summary>
public sealed class DashboardAccess(LiveRuntime live, DashboardSessions sessions)
{
    /// <summary>Why the request may not go on (403 for cross-site, 401 otherwise), or null.</summary>
    public (int Status, string Detail)? Refusal(HttpContext http)
    {
        if (AdminAccess.CrossSite(http.Request) is { } crossSite) return (StatusCodes.Status403Forbidden, crossSite);
        var token = live.Current.Config.Server.AdminToken;
        if (token is not null)
            return sessions.IsValid(http.Request.Cookies[DashboardSessions.CookieName], token) ? null : (StatusCodes.Status401Unauthorized, "sign in with server.admin_token");
        return AdminAccess.LoopbackRefusal(http) is { } loopback ? (StatusCodes.Status401Unauthorized, loopback) : null;
    }

    /// <summary>As an endpoint filter, for the dashboard's JSON under <c>/admin/api</c>: problem+json on refusal.</summary>
    public sealed class Filter(DashboardAccess access) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            ArgumentNullException.ThrowIfNull(context);
            ArgumentNullException.ThrowIfNull(next);
            if (access.Refusal(context.HttpContext) is { } refused)
                return TypedResults.Problem(detail: refused.Detail, statusCode: refused.Status, title: refused.Status == 403 ? "Forbidden" : "Unauthorized");
            return await next(context);
        }
    }
}
