using Bridge.Configuration;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;

namespace Bridge.Hosting;

/// <summary>
/// <c>server.allowed_hosts</c> through ASP.NET Core's host filtering: a request whose <c>Host</c> is not allowed is
/// refused 400 before the admin API or a hook sees it. This stops DNS rebinding, where a web page makes its own name
/// point at 127.0.0.1 and the visitor's browser then talks to the bridge as that page's "same origin". <c>/healthz</c>,
/// <c>/readyz</c> and <c>/metrics</c> are exempt: probes and scrapers address the bridge by whatever IP they have, and
/// those answers hold no events, messages or reasons.
/// </summary>
public static class AllowedHosts
{
    /// <summary>Set once the request passed the filter; a 400 without it is the filter's.</summary>
    private static readonly object PassedKey = new();

    public static WebApplication UseAllowedHosts(this WebApplication app, ServerConfig server)
    {
        // The filter gets options of its own: the host's shared ones drive the filter the web host puts in front of
        // everything (AllowedHosts, "*" by default), which would not leave the probes out.
        var options = new FixedOptions(new HostFilteringOptions
        {
            AllowedHosts = [.. server.AllowedHosts],
            // Its own answer is an HTML page; the bridge answers problem+json instead (below).
            IncludeFailureMessage = false,
        });
        app.UseWhen(static http => !IsProbe(http.Request.Path), branch =>
        {
            branch.Use(AnswerRefusedAsync);
            branch.UseMiddleware<HostFilteringMiddleware>(options);
            branch.Use((http, next) =>
            {
                http.Items[PassedKey] = true;
                return next(http);
            });
        });
        return app;
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");

    private static async Task AnswerRefusedAsync(HttpContext http, RequestDelegate next)
    {
        await next(http);
        if (http.Items.ContainsKey(PassedKey) || http.Response.HasStarted || http.Response.StatusCode != StatusCodes.Status400BadRequest) return;
        await TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Host not allowed",
            detail: "the request's Host header names no host this bridge serves: add it to server.allowed_hosts (or set server.public_url)").ExecuteAsync(http);
    }

    /// <summary>Options read at start-up: <c>allowed_hosts</c> applies from start-up, like the other server settings.</summary>
    private sealed class FixedOptions(HostFilteringOptions value) : IOptionsMonitor<HostFilteringOptions>
    {
        public HostFilteringOptions CurrentValue => value;

        public HostFilteringOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<HostFilteringOptions, string?> listener) => null;
    }
}
