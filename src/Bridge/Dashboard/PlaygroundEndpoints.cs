using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Mappings;
using Bridge.Messages;
using Bridge.Pipeline;
using Bridge.Rules;
using Bridge.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bridge.Dashboard;

/// <summary>
/// <c>/api/playground</c>: run a rule's mapping, or any mapping, on a stored event or a pasted body, with the script as
/// edited, and see what the bridge would send; nothing is sent. <c>send</c> is the one exception: it sends the result
/// to a topic the caller names twice, recorded as a test message under an event of its own.
/// </summary>
public static partial class PlaygroundEndpoints
{
    /// <summary>The rule name test messages are recorded under; no configured rule can have it (rule names have no parentheses).</summary>
    public const string TestRule = "(playground test)";

    /// <summary>Recent events offered to try, newest first.</summary>
    public const int RecentEvents = 20;

    public static void MapPlayground(this RouteGroupBuilder group)
    {
        group.MapGet("/playground", OptionsAsync);
        group.MapGet("/playground/script", Script);
        group.MapPost("/playground/run", RunAsync);
        group.MapPost("/playground/send", SendAsync);
    }

    private static async Task<Ok<PlaygroundOptions>> OptionsAsync(LiveRuntime live, IAdminStore store, CancellationToken ct)
    {
        var runtime = live.Current;
        var rules = runtime.Rules.Rules.Select(r => new PlaygroundRule(r.Name, r.Config.Mapping ?? CompiledMapping.DefaultName,
            r.Config.Match.Source is [var only] ? only : null, r.Config.Destination, r.Config.Topic, r.Config.Throttle is not null)).ToList();
        var recent = await store.ListEventsAsync(new EventFilter(), null, RecentEvents, ct);
        var events = new List<EventRow>();
        foreach (var e in recent.Items) events.Add(EventRow.From(e, await store.GetMessagesOfEventAsync(e.Seq, ct)));
        return TypedResults.Ok(new PlaygroundOptions(rules, [CompiledMapping.DefaultName, .. runtime.Mappings.Names], [.. runtime.Config.Sources.Keys], events));
    }

    /// <summary>A mapping's source text, to edit: only mappings the configuration loaded can be read.</summary>
    private static Results<ContentHttpResult, ProblemHttpResult> Script(LiveRuntime live, string name)
    {
        if (name == CompiledMapping.DefaultName) return TypedResults.Content(MappingCatalog.DefaultSource, "text/javascript; charset=utf-8");
        if (live.Current.Mappings.Find(name) is not { FilePath: { } path }) return Problem(404, $"no mapping named '{name}' is loaded");
        return TypedResults.Content(File.ReadAllText(path), "text/javascript; charset=utf-8");
    }

    private static async Task<Results<Ok<PlaygroundResult>, ProblemHttpResult>> RunAsync(PlaygroundRequest request, LiveRuntime live, IAdminStore store,
        MessageMaker maker, TimeProvider time, CancellationToken ct)
    {
        var prepared = await PrepareAsync(request, live.Current, store, time, ct);
        if (prepared.Problem is { } problem) return problem;
        var trial = prepared.Trial!;
        var errors = new List<PlaygroundError>();
        var console = new List<string>();
        var messages = new List<JsonElement>();
        var dropped = false;
        if (trial.Mapping is null) errors.Add(CompileError(trial.CompileError!));
        else
        {
            var (made, json) = PlaygroundPath.Map(maker, trial.Mapping, trial.Event, trial.Context, trial.DedupeKey);
            console.AddRange(made.Logs);
            errors.AddRange(made.Errors.Select(e => new PlaygroundError(e.Kind, e.Message, e.Line, e.Column, e.ToString())));
            messages.AddRange(json);
            dropped = made.Dropped;
        }
        var verdicts = trial.Verdicts.Select(v => new PlaygroundVerdict(v.Rule, v.Matched, v.Reason)).ToList();
        return TypedResults.Ok(new PlaygroundResult(trial.Rule?.Name, trial.MappingName, trial.Event.Source,
            JsonDocument.Parse(EventJson.ToUtf8(trial.Event, includeRaw: false)).RootElement.Clone(), verdicts, console, errors, dropped, messages,
            PlaygroundCase.Yaml(trial, request.Script is not null, messages, dropped, errors)));
    }

    private static async Task<Results<Accepted<PlaygroundSent>, ProblemHttpResult>> SendAsync(PlaygroundRequest request, LiveRuntime live, IAdminStore store,
        IEventLog events, MessageMaker maker, Signal deliveries, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Topic) || request.Topic != request.ConfirmTopic)
            return Problem(400, "name the topic to send to in both 'topic' and 'confirm_topic': a test message goes out only where it was confirmed");
        var runtime = live.Current;
        var prepared = await PrepareAsync(request, runtime, store, time, ct);
        if (prepared.Problem is { } problem) return problem;
        var trial = prepared.Trial!;
        var destination = trial.Rule?.Config.Destination ?? (runtime.Config.Destinations.Count == 1 ? runtime.Config.Destinations.Keys.First() : null);
        if (destination is null) return Problem(400, "pick a rule: it says which destination the test goes to");
        if (trial.Mapping is null) return Problem(422, $"the mapping does not compile: {trial.CompileError}");
        var now = time.GetUtcNow();
        var id = "test-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
        var dedupeKey = "playground:" + id;
        var (made, json) = PlaygroundPath.Map(maker, trial.Mapping, trial.Event, trial.Context with { Topic = request.Topic }, dedupeKey);
        if (made.Errors.Count > 0) return Problem(422, $"the mapping failed, nothing was sent: {made.Errors[0]}");
        if (json.Count == 0) return Problem(422, "the mapping returned nothing, so there is nothing to send");

        var messages = new List<NewMessage>();
        for (var i = 0; i < json.Count; i++)
        {
            var node = JsonNode.Parse(json[i].GetRawText())!.AsObject();
            node["topic"] = request.Topic;
            using var doc = JsonDocument.Parse(node.ToJsonString());
            // The mapping may name its own topic: the test goes only where it was confirmed, checked as any topic is.
            var checkedMessage = MessageNormalizer.Normalize(doc.RootElement, null);
            if (checkedMessage.Message is not { } message) return Problem(400, $"the topic cannot be used: {string.Join("; ", checkedMessage.Errors)}");
            var (fitted, body, error) = MessageNormalizer.Fit(message);
            if (error is not null) return Problem(422, $"the message does not fit: {error.Message}");
            messages.Add(new NewMessage(TestRule, i, destination, fitted!.Topic, body, MessageStatus.Pending, null, now, fitted.SequenceId));
        }
        var testEvent = trial.Event with { Id = id };
        // Committed processed, with its messages, in one transaction: the processor never sees it.
        var accepted = await events.AcceptMappedAsync(new NewEvent(testEvent, [], dedupeKey, now, TimeSpan.Zero), messages,
            new MappingRunLog(TestRule, trial.MappingName, made.Logs, []), ct);
        if (accepted.Status != AcceptStatus.Accepted) return Problem(503, "the store cannot take the test message right now");
        deliveries.Set();
        loggers.CreateLogger(typeof(PlaygroundEndpoints).FullName!).LogInformation(
            "Playground test: {Count} message(s) of mapping {Mapping} queued to {Destination} topic {Topic}, recorded as event {EventId}",
            messages.Count, trial.MappingName, destination, request.Topic, id);
        var stored = await store.GetMessagesOfEventAsync(accepted.Seq, ct);
        return TypedResults.Accepted($"/api/events/{id}", new PlaygroundSent(id, [.. stored.Select(m => m.Id)]));
    }

    private static async Task<(Trial? Trial, ProblemHttpResult? Problem)> PrepareAsync(PlaygroundRequest request, BridgeRuntime runtime, IAdminStore store,
        TimeProvider time, CancellationToken ct)
    {
        var rule = request.Rule is { Length: > 0 } ruleName ? runtime.Rules.Find(ruleName) : null;
        if (request.Rule is { Length: > 0 } && rule is null) return (null, Problem(400, $"no rule named '{request.Rule}'"));
        byte[] body;
        string? storedKey = null;
        var sourceName = request.Source is { Length: > 0 } named ? named : rule?.Config.Match.Source is [var only] ? only : null;
        if (request.Event is { Length: > 0 } eventId)
        {
            // Ids are the sender's: two sources may have sent this one, and then the request's source says which.
            var found = await store.GetEventsAsync(eventId, request.Source is { Length: > 0 } from ? from : null, ct);
            if (found.Count == 0) return (null, Problem(404, $"no event with id '{eventId}' is stored"));
            if (found.Count > 1) return (null, Problem(409, $"sources {string.Join(", ", found.Select(f => $"'{f.Source}'"))} each sent an event with id '{eventId}': choose the source"));
            var stored = found[0];
            body = stored.Body;
            // The stored event's key, so the sequence_id shown is the one serve gave its messages.
            storedKey = stored.DedupeKey;
            sourceName ??= stored.Source;
        }
        else if (request.Body is { Length: > 0 } pasted) body = Encoding.UTF8.GetBytes(pasted);
        else return (null, Problem(400, "give a stored event's id ('event') or a body to try ('body')"));
        sourceName ??= runtime.Config.Sources.Count == 1 ? runtime.Config.Sources.Keys.First() : null;
        if (sourceName is null || !runtime.Config.Sources.TryGetValue(sourceName, out var source))
            return (null, Problem(400, $"say which source the body arrives on ('source': one of {string.Join(", ", runtime.Config.Sources.Keys)})"));

        var now = time.GetUtcNow();
        var reading = PlaygroundPath.Read(runtime, source, body, now, stored: storedKey is not null);
        if (reading.Event is not { } e) return (null, Problem(reading.Problem!.Status, $"{reading.Problem.Detail} (the bridge would answer {reading.Problem.Status})"));

        var mappingName = request.Mapping is { Length: > 0 } m ? m : rule?.Config.Mapping ?? CompiledMapping.DefaultName;
        var loaded = mappingName == CompiledMapping.DefaultName ? MappingCatalog.Default : runtime.Mappings.Find(mappingName);
        if (loaded is null && request.Script is null) return (null, Problem(400, $"no mapping named '{mappingName}' is loaded"));
        string? compileError = null;
        var mapping = request.Script is { } script
            ? PlaygroundPath.Compile(mappingName, loaded?.FilePath, script, runtime.Config.MappingLimits, out compileError)
            : loaded;
        var dedupeKey = storedKey ?? DedupeKeys.For(e, source.Format);
        if (request.Digest && rule?.Config.Throttle is null) return (null, Problem(400, "'digest' makes a throttled rule's digest: pick a rule with a throttle"));
        var ctx = rule is not null
            ? (MappingContext.For(rule.Config, source, runtime.Config.Server.PublicUrl) with { Now = now }).WithGroupOf(rule.Config, e, dedupeKey, now)
            : new MappingContext(PlaygroundCase.TestDefaults, MappingTests.MappingTestRunner.DefaultTopic, PlaygroundCase.TestDefaults, e.Source, source.BaseUrl)
                { Now = now, PublicUrl = runtime.Config.Server.PublicUrl?.ToString() };
        if (request.Digest)
        {
            // As serve makes it when a period ends that held this event after max passed.
            ctx = ctx with { Throttle = Throttles.ThrottleView.OneHeld(rule!.Name, rule.Config.Throttle!, e, now) };
            dedupeKey += "/digest";
        }
        return (new Trial(rule, mappingName, mapping, compileError, source, e, reading.Verdicts, ctx, body, dedupeKey), null);
    }

    private static PlaygroundError CompileError(string text)
    {
        var m = CompileErrorPattern().Match(text);
        return m.Success
            ? new PlaygroundError(MappingError.Syntax, m.Groups[3].Value, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), text)
            : new PlaygroundError(MappingError.Syntax, text, null, null, text);
    }

    /// <summary><c>name.js:12:5: message</c>, as the compiler words it.</summary>
    [GeneratedRegex(@":(\d+):(\d+): (.*)$", RegexOptions.Singleline)]
    private static partial Regex CompileErrorPattern();

    private static ProblemHttpResult Problem(int status, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: status switch { 404 => "Not found", 422 => "Cannot run", 503 => "Store unavailable", _ => "Bad request" });
}

/// <summary>Everything one playground run needs, resolved from the request.</summary>
/// <param name="Mapping">The compiled mapping; null when the edited script does not compile (<paramref name="CompileError"/> says why).</param>
/// <param name="DedupeKey">The key serve stores the event under (the stored one's, for a stored event), so each <c>sequence_id</c> is the one serve sends.</param>
public sealed record Trial(CompiledRule? Rule, string MappingName, CompiledMapping? Mapping, string? CompileError, SourceConfig Source, BridgeEvent Event,
    IReadOnlyList<RuleVerdict> Verdicts, MappingContext Context, byte[] Body, string DedupeKey);
