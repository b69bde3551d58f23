using System.Text.Encodings.Web;
using Bridge.Admin;
using Bridge.Configuration;
using Bridge.Storage;

namespace Bridge.Dashboard;

/// <summary>
/// The dashboard at <c>/admin</c>: pages with stable URLs (one embedded shell whose script draws the page the URL
/// names), the sign-in form, and under <c>/admin/api</c> the admin API's own handlers behind the session cookie, plus
/// the live list's rows and change stream.
/// </summary>
public static class DashboardEndpoints
{
    public const string StreamPath = "/admin/api/stream";

    /// <summary>Events the live list looks through; older ones are reached from the admin API's paged list.</summary>
    public const int ListWindow = 200;

    /// <summary>The longest the live stream goes without looking at the store (mapping and delivery progress show within it).</summary>
    private static readonly TimeSpan StreamLook = TimeSpan.FromSeconds(2);

    private static readonly string[] Pages = ["/admin/events", "/admin/events/{id}", "/admin/messages", "/admin/destinations", "/admin/playground"];

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => TypedResults.Redirect("/admin/events")).ExcludeFromDescription();
        app.MapGet("/admin", () => TypedResults.Redirect("/admin/events")).ExcludeFromDescription();
        foreach (var page in Pages) app.MapGet(page, Page).ExcludeFromDescription();
        app.MapGet("/admin/assets/{name}", Asset).ExcludeFromDescription();
        app.MapPost("/admin/login", LoginAsync).ExcludeFromDescription().DisableAntiforgery();
        app.MapPost("/admin/logout", Logout).ExcludeFromDescription().DisableAntiforgery();

        var api = app.MapGroup("/admin/api").AddEndpointFilter<DashboardAccess.Filter>().ExcludeFromDescription();
        api.MapAdminApi();
        api.MapGet("/rows", RowsAsync);
        api.MapGet("/stream", StreamAsync);
    }

    /// <remarks>
    /// A page itself holds no data (its script fetches that from <c>/admin/api</c>), so it is served whatever site the
    /// link was on: a link in a chat or a notification must open it. The <c>SameSite=Strict</c> cookie does not come
    /// with such a navigation, so that first answer reloads the page from itself, which brings the cookie.
    /// </remarks>
    private static IResult Page(HttpContext http, DashboardAccess access, LiveRuntime live)
    {
        var here = http.Request.Path + http.Request.QueryString;
        var withToken = live.Current.Config.Server.AdminToken is not null;
        if (access.Refusal(http) is { } refused)
        {
            if (!withToken) return TypedResults.Problem(detail: refused.Detail, statusCode: refused.Status, title: "Unauthorized");
            if (http.Request.Headers["Sec-Fetch-Site"] == "cross-site")
                return Html(DashboardAssets.Text("reload.html").Replace("{{here}}", HtmlEncoder.Default.Encode(LocalPage(here)), StringComparison.Ordinal), StatusCodes.Status200OK);
            return LoginPage(here, error: null, StatusCodes.Status200OK);
        }
        var shell = DashboardAssets.Text("index.html").Replace("{{logout}}", withToken ? DashboardAssets.Text("logout.html") : "", StringComparison.Ordinal);
        return Html(shell, StatusCodes.Status200OK);
    }

    private static IResult Asset(string name) =>
        DashboardAssets.Get(name) is { } file ? TypedResults.Bytes(file.Bytes, file.ContentType) : TypedResults.NotFound();

    private static async Task<IResult> LoginAsync(HttpContext http, LiveRuntime live, DashboardSessions sessions)
    {
        if (AdminAccess.CrossSite(http.Request) is { } crossSite) return TypedResults.Problem(detail: crossSite, statusCode: 403, title: "Forbidden");
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var back = LocalPage(form["return"].ToString());
        if (live.Current.Config.Server.AdminToken is not { } token) return TypedResults.Redirect(back);
        if (sessions.Open(token, form["token"].ToString()) is not { } id)
            return LoginPage(back, "That is not the admin token (server.admin_token).", StatusCodes.Status401Unauthorized);
        http.Response.Cookies.Append(DashboardSessions.CookieName, id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/admin",
            MaxAge = DashboardSessions.Lifetime,
        });
        return TypedResults.Redirect(back);
    }

    private static IResult Logout(HttpContext http, DashboardSessions sessions)
    {
        if (AdminAccess.CrossSite(http.Request) is { } crossSite) return TypedResults.Problem(detail: crossSite, statusCode: 403, title: "Forbidden");
        sessions.Close(http.Request.Cookies[DashboardSessions.CookieName]);
        http.Response.Cookies.Delete(DashboardSessions.CookieName, new CookieOptions { Path = "/admin" });
        return TypedResults.Redirect("/admin/events");
    }

    private static async Task<IResult> RowsAsync(IAdminStore store, string? source, string? action, string? rule, string? outcome, string? text, CancellationToken ct)
    {
        var page = await store.ListEventsAsync(new EventFilter(NullIfEmpty(action), NullIfEmpty(rule)), null, ListWindow, ct);
        var rows = new List<EventRow>();
        foreach (var e in page.Items)
        {
            var row = EventRow.From(e, await store.GetMessagesOfEventAsync(e.Seq, ct));
            if (row.Matches(source, outcome, text)) rows.Add(row);
        }
        return TypedResults.Ok(rows);
    }

    /// <summary>
    /// Server-sent events: a <c>change</c> line whenever the newest events or the message counts change, at once when a
    /// hook is accepted and otherwise within <see cref="StreamLook"/>; the page then fetches its rows again.
    /// </summary>
    private static async Task StreamAsync(HttpContext http, IAdminStore store, DashboardPulse pulse, TimeProvider time)
    {
        var ct = http.RequestAborted;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        string? last = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var arrived = pulse.Next;
                var now = await FingerprintAsync(store, ct);
                if (now != last)
                {
                    last = now;
                    await http.Response.WriteAsync($"event: change\ndata: {now}\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                }
                await Task.WhenAny(arrived, Task.Delay(StreamLook, time, ct));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page went away.
        }
    }

    /// <summary>Changes when an event arrives or is processed, or a message changes state.</summary>
    private static async Task<string> FingerprintAsync(IAdminStore store, CancellationToken ct)
    {
        var newest = await store.ListEventsAsync(new EventFilter(), null, 1, ct);
        var counts = await store.CountAsync(ct);
        var hash = new HashCode();
        hash.Add(newest.Items.Count > 0 ? newest.Items[0].Seq : 0);
        hash.Add(counts.UnprocessedEvents);
        foreach (var (destination, byStatus) in counts.Messages.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            hash.Add(destination);
            foreach (var (status, count) in byStatus.OrderBy(s => s.Key)) hash.Add((status, count));
        }
        return hash.ToHashCode().ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult LoginPage(string back, string? error, int status)
    {
        var html = DashboardAssets.Text("login.html")
            .Replace("{{return}}", HtmlEncoder.Default.Encode(LocalPage(back)), StringComparison.Ordinal)
            .Replace("{{error}}", error is null ? "" : $"<p class=\"error\" role=\"alert\">{HtmlEncoder.Default.Encode(error)}</p>", StringComparison.Ordinal);
        return Html(html, status);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Html(string html, int status) => TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);

    /// <summary>Only a dashboard page may be a sign-in's destination, so the form cannot be made to send anyone elsewhere.</summary>
    private static string LocalPage(string path) =>
        path.StartsWith("/admin/", StringComparison.Ordinal) && !path.StartsWith("/admin//", StringComparison.Ordinal) && !path.Contains('\\', StringComparison.Ordinal)
            ? path
            : "/admin/events";

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
