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
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<HookLimiter>((options, limiter) =>
        {
            options.GlobalLimiter = limiter;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = RejectAsync;
        });
        return services;
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var reason = context.Lease.TryGetMetadata(MetadataName.ReasonPhrase, out var phrase) ? phrase! : "too many requests";
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        // Whole seconds, rounded up: "Retry-After: 0" would invite an immediate retry into the same limit.
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HookRateLimits).FullName!)
            .LogWarning("Refused {Path} from {RemoteIp}: {Reason}", http.Request.Path.Value, http.Connection.RemoteIpAddress, reason);
        await TypedResults.Problem(detail: $"{reason}; retry after {seconds} s", statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests")
            .ExecuteAsync(http);
    }
}
