using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Bridge.Ingest.Limits;

/// <summary>Wires <see cref="HookLimiter"/> into ASP.NET Core's rate-limiting middleware, refusing with 429 problem+json.</summary>
public static class HookRateLimits
{
    public static IServiceCollection AddHookRateLimits(this IServiceCollection services)
    {
        // A singleton the container disposes with the host, so the limiter's replenishment timers stop with it.
        services.AddSingleton<HookLimiter>();
        services.AddSingleton<HookSlots>();
        services.AddSingleton<AuthFailureThrottle>();
        services.AddSingleton<RefusalLog>();
        services.AddSingleton<ClientConnectionLimit>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<HookLimiter>((options, limiter) =>
        {
            options.GlobalLimiter = limiter;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>Sets <c>Retry-After</c> in whole seconds, rounded up: "0" would invite an immediate retry into the same limit.</summary>
    public static long SetRetryAfter(HttpResponse response, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(response);
        var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return seconds;
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var reason = context.Lease.TryGetMetadata(MetadataName.ReasonPhrase, out var phrase) ? phrase! : "too many requests";
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        var seconds = SetRetryAfter(http.Response, retryAfter);
        http.RequestServices.GetRequiredService<RefusalLog>().Refused(http.Connection.RemoteIpAddress, http.Request.RouteValues["source"] as string, reason);
        await TypedResults.Problem(detail: $"{reason}; retry after {seconds} s", statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests")
            .ExecuteAsync(http);
    }
}
