using System.Text.Json.Serialization;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Pipeline;
using Bridge.Rules;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bridge.Ingest;

/// <summary><c>POST /hooks/{source}</c>: authenticate, read, normalise, match, queue, and answer 202 at once.</summary>
public static class HookEndpoints
{
    public static RouteGroupBuilder MapHooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/hooks");
        group.MapPost("/{source}", ReceiveAsync);
        return group;
    }

    private static async Task<Results<Accepted<HookAccepted>, ProblemHttpResult>> ReceiveAsync(
        string source, HttpContext http, LiveRuntime live, HookGate gate, IEventQueue queue, TimeProvider time, ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger(typeof(HookEndpoints).FullName!);
        var runtime = live.Current;
        if (!runtime.Config.Sources.TryGetValue(source, out var sourceConfig))
            return Problem(404, "Unknown source", $"no source named '{source}' is configured");

        var admission = await gate.AdmitAsync(sourceConfig, runtime.Config.Server.Limits, http);
        if (admission.Refusal is { } refused)
        {
            log.LogWarning("Refused a hook for {Source} from {RemoteIp}: {Reason}", source, http.Connection.RemoteIpAddress, refused.Detail);
            if (refused.Challenge is not null) http.Response.Headers.WWWAuthenticate = refused.Challenge;
            return Problem(refused.Status, refused.Title, refused.Detail);
        }

        using (var document = admission.Document)
        {
            var normalized = EventNormalizer.Normalize(sourceConfig, document!.RootElement, time);
            if (normalized.Error is { } shape)
            {
                admission.Claim?.Release();
                log.LogWarning("Refused a hook for {Source}: {Reason}", source, shape.Message);
                return Problem(422, "Unrecognised event shape", shape.Message);
            }
            var e = normalized.Event!;
            var verdicts = runtime.Rules.Evaluate(e);
            if (!await queue.TryAcceptAsync(new AcceptedEvent(e, verdicts, runtime, time.GetUtcNow()), http.RequestAborted))
            {
                admission.Claim?.Release();
                log.LogError("Queue full: refused event {EventId} from {Source}; the sender will retry", e.Id, source);
                http.Response.Headers.RetryAfter = "30";
                return Problem(503, "Queue full", "the bridge cannot take more events right now; retry later");
            }
            LogAccepted(log, e, verdicts);
            return TypedResults.Accepted((string?)null, HookAccepted.From(e, verdicts));
        }
    }

    private static void LogAccepted(ILogger log, BridgeEvent e, IReadOnlyList<RuleVerdict> verdicts)
    {
        var matched = verdicts.Where(v => v.Matched).Select(v => v.Rule).ToArray();
        if (matched.Length > 0)
        {
            log.LogInformation("Accepted event {EventId} ({Action}) from {Source}; matched {Rules}", e.Id, e.Action, e.Source, matched);
            return;
        }
        log.LogInformation("Accepted event {EventId} ({Action}) from {Source}; no rule matched, nothing will be sent", e.Id, e.Action, e.Source);
        foreach (var v in verdicts) log.LogDebug("Rule {Rule} did not match event {EventId}: {Reason}", v.Rule, e.Id, v.Reason);
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}

/// <summary>
/// The 202 body. Authentik stores the response text in its own logs, so it says what the bridge will do with the
/// event, and why rules that did not match did not.
/// </summary>
public sealed record HookAccepted(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("action")] string? Action,
    [property: JsonPropertyName("matched")] IReadOnlyList<string> Matched,
    [property: JsonPropertyName("not_matched")] IReadOnlyDictionary<string, string> NotMatched)
{
    public static HookAccepted From(BridgeEvent e, IReadOnlyList<RuleVerdict> verdicts)
    {
        var matched = new List<string>();
        var notMatched = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in verdicts)
        {
            if (v.Matched) matched.Add(v.Rule);
            else notMatched[v.Rule] = v.Reason ?? "did not match";
        }
        return new HookAccepted("accepted", e.Id, e.Action, matched, notMatched);
    }
}
