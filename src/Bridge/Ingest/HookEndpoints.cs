using System.Text.Json.Serialization;
using Bridge.Authentik;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Ingest.Limits;
using Bridge.Pipeline;
using Bridge.Rules;
using Bridge.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bridge.Ingest;

/// <summary>
/// <c>POST /hooks/{source}</c>: authenticate, read, normalise, match, commit to the store, and only then answer 202:
/// a 202 means the event is on disk. Mappings run after the answer.
/// </summary>
public static class HookEndpoints
{
    public static RouteGroupBuilder MapHooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/hooks");
        // One logger for the host's hooks, made here: the logger factory makes a new one (and its caches) on every call.
        var log = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HookEndpoints).FullName!);
        group.MapPost("/{source}", (string source, HttpContext http, LiveRuntime live, HookGate gate, IEventQueue queue, TimeProvider time, RefusalLog refusals,
            GroupResolver groups, GroupWaitWorker lookups, IGroupWaits waits, Silences.SilenceBook silences) => ReceiveAsync(source, http, live, gate, queue, time, log, refusals, groups, lookups, waits, silences));
        return group;
    }

    private static async Task<Results<Accepted<HookAccepted>, ProblemHttpResult>> ReceiveAsync(
        string source, HttpContext http, LiveRuntime live, HookGate gate, IEventQueue queue, TimeProvider time, ILogger log, RefusalLog refusals,
        GroupResolver groups, GroupWaitWorker lookups, IGroupWaits waits, Silences.SilenceBook silences)
    {
        var runtime = live.Current;
        if (!runtime.Config.Sources.TryGetValue(source, out var sourceConfig))
            return Problem(404, "Unknown source", $"no source named '{source}' is configured");

        var admission = await gate.AdmitAsync(sourceConfig, runtime.Config.Server.Limits, http);
        if (admission.Refusal is { } refused)
        {
            refusals.Refused(http.Connection.RemoteIpAddress, source, refused.Detail);
            if (refused.Challenge is not null) http.Response.Headers.WWWAuthenticate = refused.Challenge;
            if (refused.RetryAfter is { } wait) HookRateLimits.SetRetryAfter(http.Response, wait);
            return Problem(refused.Status, refused.Title, refused.Detail);
        }

        var receivedAt = time.GetUtcNow();
        var reading = EventReader.ReadEvent(admission.Body, sourceConfig, receivedAt, PayloadLimits.Of(runtime.Config.Server.Limits));
        if (reading.Event is not { } e)
        {
            var problem = reading.Problem!;
            // Not taken: a corrected resend of this message must not be refused as a replay.
            admission.Claim?.Release();
            refusals.Refused(http.Connection.RemoteIpAddress, source, problem.Detail);
            return Problem(problem.Status, problem.Title, problem.Detail);
        }
        // Groups from Authentik's API when the body has none: cached ones at once; else the event waits for a look-up,
        // which never holds this request (Authentik waits on it, and may be the very API that is slow).
        switch (groups.FromCache(sourceConfig, e))
        {
            case GroupLookup.Known known:
                e = EventGroups.With(e, known.Groups);
                break;
            case GroupLookup.Waiting waiting:
                var key = DedupeKeys.For(e, sourceConfig.Format);
                var committed = await waits.AcceptWaitingAsync(new NewEvent(e, [], key, receivedAt, runtime.Config.Storage.DedupeWindow), waiting.Reason, CancellationToken.None);
                if (committed.Status == AcceptStatus.Accepted)
                {
                    lookups.Wake();
                    log.LogInformation("Accepted event {EventId} ({Action}) from {Source}; its user's groups are looked up in Authentik's API before its rules are judged",
                        e.Id, e.Action, e.Source);
                    return TypedResults.Accepted((string?)null, HookAccepted.Waiting(e, waiting.Reason));
                }
                return Answer(committed, e, [], admission, http, log);
        }
        var verdicts = silences.Apply(runtime.Rules.Evaluate(e), e, receivedAt);
        // Not the request's token: once queued for commit, the write completes even if the sender hangs up.
        var stored = await queue.AcceptAsync(new AcceptedEvent(e, verdicts, runtime, receivedAt), CancellationToken.None);
        if (stored.Status == AcceptStatus.Accepted) LogAccepted(log, e, verdicts);
        return Answer(stored, e, verdicts, admission, http, log);
    }

    private static Results<Accepted<HookAccepted>, ProblemHttpResult> Answer(AcceptResult stored, BridgeEvent e, IReadOnlyList<RuleVerdict> verdicts,
        HookAdmission admission, HttpContext http, ILogger log)
    {
        switch (stored.Status)
        {
            case AcceptStatus.Unavailable:
                // Not taken: a retry of this delivery must not be refused as a replay.
                admission.Claim?.Release();
                log.LogError("Cannot store event {EventId} from {Source} ({Reason}); answered 503 so the sender keeps it and retries", e.Id, e.Source, stored.Reason);
                http.Response.Headers.RetryAfter = StoreRetryAfterSeconds;
                return Problem(503, "Store unavailable", "the bridge cannot store the event right now, so it did not take it; retry later");
            case AcceptStatus.Duplicate:
                log.LogInformation("Event {EventId} ({Action}) from {Source} is a copy of event {Original} accepted within the de-duplication window; nothing more will be sent",
                    e.Id, e.Action, e.Source, stored.DuplicateOf);
                return TypedResults.Accepted((string?)null, HookAccepted.From(e, verdicts) with { Status = "duplicate", DuplicateOf = stored.DuplicateOf });
            default:
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

    /// <summary>What a 503 asks the sender to wait: long enough for a full disk or a lock to clear, short enough not to delay alerts.</summary>
    private const string StoreRetryAfterSeconds = "30";

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
    /// <summary>For a duplicate: the id of the event it copies (the same as <see cref="Event"/> when Authentik's id keyed it).</summary>
    [JsonPropertyName("duplicate_of")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DuplicateOf { get; init; }

    /// <summary>For an event whose rules wait for its user's groups: what it waits for (<c>matched</c> is empty until then).</summary>
    [JsonPropertyName("waiting_for")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? WaitingFor { get; init; }

    public static HookAccepted Waiting(BridgeEvent e, string reason) =>
        new("waiting_for_groups", e.Id, e.Action, [], new Dictionary<string, string>()) { WaitingFor = reason };

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
