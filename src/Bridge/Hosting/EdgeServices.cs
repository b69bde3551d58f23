using Bridge.Configuration;
using Bridge.Ingest;
using Bridge.Ingest.Limits;

namespace Bridge.Hosting;

/// <summary>The outer ring of the host: the catch-all error handler, the hook guards and their limits.</summary>
public static class EdgeServices
{
    public static IServiceCollection AddEdge(this IServiceCollection services)
    {
        services.AddExceptionHandler<UnexpectedErrorHandler>();
        services.AddHookSecurity();
        services.AddHookRateLimits();
        return services;
    }

    /// <summary>
    /// A body declared larger than the server takes is never read, whatever the answer (401, 404, 429...), and the
    /// server drops such a connection afterwards: <c>Connection: close</c> tells the client not to reuse it.
    /// </summary>
    private static Task CloseAfterOversizedBodies(HttpContext http, RequestDelegate next)
    {
        var limit = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (http.Request.ContentLength > limit) http.Response.Headers.Connection = "close";
        return next(http);
    }

    /// <summary>
    /// First in the pipeline: the error handler, so an exception anywhere after it is answered by it; then the
    /// client address from trusted proxies, so allow-lists, rate limits and logs all see the real client.
    /// </summary>
    public static WebApplication UseEdge(this WebApplication app, ServerConfig server)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // The handler logs what it handles; the middleware's own "unhandled exception" line would repeat it.
            SuppressDiagnosticsCallback = _ => true,
        });
        if (TrustedProxies.Options(server) is { } forwarded) app.UseForwardedHeaders(forwarded);
        app.Use(CloseAfterOversizedBodies);
        return app;
    }
}
