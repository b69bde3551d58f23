using System.Globalization;
using Bridge.Configuration;
using Bridge.Ingest.Limits;
using Bridge.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bridge.Silences;

/// <summary>
/// <c>POST /silences/mute?t=…</c>: what a notification's "Mute 1 h" button calls. No admin token: the signed token is
/// the whole permission, and it permits one silence, once, until it expires. A refused token counts against the
/// address's <c>server.limits.auth_failures</c> bucket, as a wrong hook credential does, so guessing costs hours.
/// </summary>
public static class MuteEndpoints
{
    public static void MapMute(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost(MuteLinks.Path, MuteAsync).WithTags("silences");
    }

    private static async Task<Results<Created<SilenceView>, ProblemHttpResult>> MuteAsync(HttpContext http, MuteLinks links, Silencer silencer,
        AuthFailureThrottle failures, LiveRuntime live, IIncidents store, TimeProvider time, CancellationToken ct)
    {
        var client = http.Connection.RemoteIpAddress;
        var limit = live.Current.Config.Server.Limits.AuthFailures;
        if (failures.LockedOut(client, limit) is { } wait)
        {
            HookRateLimits.SetRetryAfter(http.Response, wait);
            return Problem(429, "Too many requests", $"too many refused tokens from {client} (at most {limit.Requests} per {limit.Per.TotalMinutes:0.#} min, server.limits.auth_failures)");
        }
        var token = http.Request.Query["t"].ToString();
        if (links.Verify(token, out var problem) is not { } claim)
        {
            if (token != MuteToken.Preview) failures.Failed(client, limit);
            return Problem(token == MuteToken.Preview ? 400 : 403, "Bad mute token", problem!);
        }
        var now = time.GetUtcNow();
        if (now >= claim.Expires)
            return Problem(410, "Mute button expired", $"this button expired at {Iso(claim.Expires)} ({MuteLinks.Lifetime.TotalHours:0} h after its notification); make a silence with `bridge silence add` or POST /api/silences");
        var (made, earlier) = await silencer.MuteAsync(claim, ct);
        if (made is null)
        {
            var state = await store.GetSilenceAsync(earlier!, ct) is { } s && s.IsActive(time.GetUtcNow()) ? $"it holds until {Iso(s.EndsAt)}" : "it is over";
            return Problem(409, "Mute button already used", $"this button already made silence {earlier}, and {state}; a button makes one silence, once");
        }
        return TypedResults.Created($"/api/silences/{made.Id}", SilenceView.From(made));
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
