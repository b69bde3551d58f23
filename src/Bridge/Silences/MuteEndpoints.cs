using Bridge.Configuration;
using Bridge.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bridge.Silences;

/// <summary>
/// <c>POST /mute/{token}</c>: what a notification's "Mute 1 h" button calls. No admin token: the signed token is the
/// permission, for the one silence it names (<see cref="MuteTokens"/>), once.
/// </summary>
public static class MuteEndpoints
{
    public static RouteHandlerBuilder MapMute(this IEndpointRouteBuilder app) => app.MapPost("/mute/{token}", MuteAsync).WithTags("mute");

    private static async Task<Results<Created<SilenceView>, ProblemHttpResult>> MuteAsync(
        string token, LiveRuntime live, Silencer silencer, IIncidents store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (grant, status, problem) = MuteTokens.Check(live.Current.Config.Server, token, now);
        if (grant is null) return Problem(status, problem);
        if (await silencer.CreateAsync(grant.Request, "mute button", grant.SilenceId, ct) is { } made)
            return TypedResults.Created($"/api/silences/{made.Id}", SilenceView.From(made));
        var used = await store.GetSilenceAsync(grant.SilenceId, ct);
        var state = used is { } s && s.IsActive(now) ? $"it holds until {s.EndsAt:yyyy-MM-dd HH:mm:ss}Z" : "it is over";
        return Problem(409, $"this mute button was used already: it made silence {grant.SilenceId}, and {state}");
    }

    private static ProblemHttpResult Problem(int status, string detail) => TypedResults.Problem(detail: detail, statusCode: status, title: status switch
    {
        400 => "Bad mute token",
        403 => "Mute token refused",
        404 => "Mute buttons are off",
        409 => "Mute button used",
        _ => "Mute button expired",
    });
}
