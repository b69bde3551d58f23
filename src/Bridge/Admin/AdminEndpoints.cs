using System.Text.Json;
using Bridge.Authentik;
using Bridge.Configuration;
using Bridge.Dashboard;
using Bridge.Delivery;
using Bridge.Pipeline;
using Bridge.Silences;
using Bridge.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bridge.Admin;

/// <summary>
/// The admin API (<c>/api/...</c>, JSON, behind <see cref="AdminAccess"/>): events and messages as stored, with their
/// verdicts and attempts, and replay of dead messages once their cause is fixed. Lists are newest or oldest first as
/// suits them, paged with an opaque cursor.
/// </summary>
public static class AdminEndpoints
{
    /// <summary>Items per page unless <c>?limit=</c> says otherwise (at most <see cref="MaxLimit"/>).</summary>
    public const int DefaultLimit = 50;

    public const int MaxLimit = 500;

    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").AddEndpointFilter<AdminAccess>().WithTags("admin");
        group.MapAdminApi();
        return group;
    }

    /// <summary>The API's routes, on <c>/api</c> behind the token and on the dashboard's <c>/admin/api</c> behind its session.</summary>
    public static void MapAdminApi(this RouteGroupBuilder group)
    {
        group.MapGet("/events", ListEventsAsync);
        group.MapGet("/events/{id}/body", GetEventBodyAsync);
        group.MapGet("/events/{id}", GetEventAsync);
        group.MapGet("/messages", ListMessagesAsync);
        group.MapGet("/messages/{id:long}", GetMessageAsync);
        group.MapPost("/messages/{id:long}/replay", ReplayOneAsync);
        group.MapPost("/messages/replay", ReplayManyAsync);
        group.MapGet("/status", StatusAsync);
        group.MapPlayground();
        group.MapSilences();
    }

    private static async Task<Results<Ok<ListPage<EventView>>, ProblemHttpResult>> ListEventsAsync(
        IAdminStore store, string? action, string? rule, string? status, string? cursor, int? limit, CancellationToken ct)
    {
        EventStatus? wanted = status switch
        {
            "received" => EventStatus.Received,
            "processed" => EventStatus.Processed,
            "waiting_for_groups" => EventStatus.WaitingForGroups,
            _ => null,
        };
        if (status is not null && wanted is null) return BadFilter($"status \"{status}\" is not one of received, processed, waiting_for_groups");
        if (Limit(limit) is not { } n) return BadLimit();
        var page = await store.ListEventsAsync(new EventFilter(action, rule, wanted), cursor, n, ct);
        return TypedResults.Ok(new ListPage<EventView>([.. page.Items.Select(EventView.From)], page.Next));
    }

    /// <summary>An id is the sender's: when two sources sent the same one, <c>?source=</c> says which is meant.</summary>
    private static async Task<Results<Ok<EventDetail>, ProblemHttpResult>> GetEventAsync(IAdminStore store, IGroupWaits waits, string id, string? source, CancellationToken ct)
    {
        var (e, problem) = await FindEventAsync(store, id, source, ct);
        if (e is null) return problem!;
        var messages = new List<MessageView>();
        foreach (var m in await store.GetMessagesOfEventAsync(e.Seq, ct))
        {
            var attempts = await store.GetAttemptsAsync(m.Id, ct);
            messages.Add(MessageView.From(m) with { AttemptLog = [.. attempts.Select(AttemptView.From)] });
        }
        var view = EventView.From(e);
        return TypedResults.Ok(new EventDetail(view.Id, view.Seq, view.Source, view.Action, view.Status, view.ReceivedAt, view.Duplicates,
            JsonDocument.Parse(e.EventJson).RootElement.Clone(), JsonDocument.Parse(e.VerdictsJson).RootElement.Clone(), messages, e.MappingLog)
        {
            GroupsWait = e.Status == EventStatus.WaitingForGroups && await waits.GetWaitAsync(e.Seq, ct) is { } wait ? new GroupWaitView(wait.Reason, wait.RetryAt, wait.Attempts) : null,
        });
    }

    /// <summary>The one event an id (and, when two sources sent it, <c>?source=</c>) names; else 404, or 409 naming the sources.</summary>
    private static async Task<(StoredEvent? Event, ProblemHttpResult? Problem)> FindEventAsync(IAdminStore store, string id, string? source, CancellationToken ct)
    {
        var found = await store.GetEventsAsync(id, source, ct);
        return found.Count switch
        {
            1 => (found[0], null),
            0 => (null, NotFound($"no event with id '{id}'{(source is null ? "" : $" from source '{source}'")} is stored (delivered ones are purged after storage.retention)")),
            _ => (null, TypedResults.Problem(statusCode: 409, title: "Ambiguous event id",
                detail: $"sources {string.Join(", ", found.Select(f => $"'{f.Source}'"))} each sent an event with id '{id}': add ?source=<name>")),
        };
    }

    /// <summary>The body exactly as received, except that every configured secret in it is masked.</summary>
    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetEventBodyAsync(IAdminStore store, LiveRuntime live, string id, string? source, CancellationToken ct)
    {
        var (e, problem) = await FindEventAsync(store, id, source, ct);
        if (e is null) return problem!;
        return TypedResults.Content(SecretMask.Apply(System.Text.Encoding.UTF8.GetString(e.Body), live.Current.Config), "application/json; charset=utf-8");
    }

    private static async Task<Results<Ok<ListPage<MessageView>>, ProblemHttpResult>> ListMessagesAsync(
        IAdminStore store, string? status, string? destination, string? rule, string? @event, string? cursor, int? limit, CancellationToken ct)
    {
        if (!TryStatus(status, out var wanted)) return BadFilter($"status \"{status}\" is not one of pending, delivered, dead");
        if (Limit(limit) is not { } n) return BadLimit();
        var page = await store.ListMessagesAsync(new MessageFilter(wanted, destination, rule, @event), cursor, n, ct);
        return TypedResults.Ok(new ListPage<MessageView>([.. page.Items.Select(MessageView.From)], page.Next));
    }

    private static async Task<Results<Ok<MessageView>, ProblemHttpResult>> GetMessageAsync(IAdminStore store, long id, CancellationToken ct)
    {
        if (await store.GetMessageAsync(id, ct) is not { } m) return NotFound($"no message with id {id}");
        var attempts = await store.GetAttemptsAsync(id, ct);
        return TypedResults.Ok(MessageView.From(m) with { AttemptLog = [.. attempts.Select(AttemptView.From)] });
    }

    private static async Task<Results<Accepted<ReplayAnswer>, ProblemHttpResult>> ReplayOneAsync(
        IAdminStore store, Signal deliveries, DurableEventQueue events, TimeProvider time, ILoggerFactory loggers, long id, CancellationToken ct)
    {
        if (await store.GetMessageAsync(id, ct) is not { } m) return NotFound($"no message with id {id}");
        if (m.Status != MessageStatus.Dead) return TypedResults.Problem(statusCode: 409, title: "Not dead", detail: $"message {id} is {MessageView.StatusName(m.Status)}; only dead messages are replayed");
        var log = loggers.CreateLogger(typeof(AdminEndpoints).FullName!);
        if (m.Body is null)
        {
            // No mapping could make it: run the (fixed) mapping again for this event and rule.
            await store.ReplayMappingAsync(id, ct);
            events.Rescan();
            log.LogInformation("Replaying the mapping of rule {Rule} for event {EventId} (dead message {MessageId})", m.Rule, m.EventId, id);
            return TypedResults.Accepted((string?)null, new ReplayAnswer(1));
        }
        var replayed = await store.ReplayAsync(new MessageFilter(Id: id), time.GetUtcNow(), ct);
        deliveries.Set();
        log.LogInformation("Replaying dead message {MessageId} for event {EventId} to {Destination}", id, m.EventId, m.Destination);
        return TypedResults.Accepted((string?)null, new ReplayAnswer(replayed));
    }

    private static async Task<Results<Accepted<ReplayAnswer>, ProblemHttpResult>> ReplayManyAsync(
        IAdminStore store, Signal deliveries, TimeProvider time, ILoggerFactory loggers, string? destination, string? rule, string? @event, CancellationToken ct)
    {
        var replayed = await store.ReplayAsync(new MessageFilter(MessageStatus.Dead, destination, rule, @event), time.GetUtcNow(), ct);
        deliveries.Set();
        loggers.CreateLogger(typeof(AdminEndpoints).FullName!).LogInformation(
            "Replaying {Count} dead messages (destination {Destination}, rule {Rule}, event {EventId})", replayed, destination ?? "any", rule ?? "any", @event ?? "any");
        return TypedResults.Accepted((string?)null, new ReplayAnswer(replayed));
    }

    private static async Task<Ok<StatusView>> StatusAsync(IAdminStore store, IOutbox outbox, DeliveryWorker worker, LiveRuntime live, IGroupWaits waits,
        GroupResolver groups, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var counts = await store.CountAsync(ct);
        var totals = new Dictionary<string, int> { ["pending"] = 0, ["delivered"] = 0, ["dead"] = 0 };
        var health = worker.Destinations.ToDictionary(h => h.Name, StringComparer.Ordinal);
        var names = live.Current.Config.Destinations.Keys.Union(counts.Messages.Keys).Where(n => n.Length > 0).Order(StringComparer.Ordinal);
        var destinations = new List<DestinationView>();
        foreach (var (_, byStatus) in counts.Messages)
        {
            foreach (var (status, count) in byStatus) totals[MessageView.StatusName(status)] += count;
        }
        foreach (var name in names)
        {
            var byStatus = counts.Messages.GetValueOrDefault(name) ?? new Dictionary<MessageStatus, int>();
            var h = health.GetValueOrDefault(name);
            var healthName = !live.Current.Config.Destinations.ContainsKey(name) ? "not configured" : h is null ? "healthy" : DestinationView.HealthName(h.Mode);
            var pending = byStatus.GetValueOrDefault(MessageStatus.Pending);
            DateTimeOffset? nextTry = h is { Mode: not DestinationMode.Healthy } ? h.NextProbeAt : pending > 0 ? await outbox.GetNextDueAsync(name, ClaimOrder.BySequence, ct) : null;
            var config = live.Current.Config.Destinations.GetValueOrDefault(name);
            destinations.Add(new DestinationView(name, healthName, h?.Reason, h?.Since,
                pending, byStatus.GetValueOrDefault(MessageStatus.Delivered), byStatus.GetValueOrDefault(MessageStatus.Dead), nextTry)
                with
                {
                    Pacing = h?.PacingName(now) ?? DestinationHealth.Open,
                    Rate = RateOf(h, config, now),
                    HoldUntil = h is not null && h.HoldUntil > now ? h.HoldUntil : null,
                    HoldReason = h is not null && h.HoldUntil > now ? h.HoldReason : null,
                    Fallback = config?.Fallback,
                });
        }
        var waiting = await waits.CountAsync(ct);
        return TypedResults.Ok(new StatusView(counts.UnprocessedEvents, totals, destinations)
        {
            WaitingForGroups = waiting.Values.Sum(),
            GroupLookup = GroupLookupView.Of(live.Current.Config, groups.Health, waiting),
        });
    }

    private static RateView? RateOf(DestinationHealth? health, DestinationConfig? config, DateTimeOffset now)
    {
        if (config?.Pace is not { } pace) return null;
        var (tokens, per) = health?.Pace.Describe(now, pace) ?? (pace.Burst, pace.Per);
        return new RateView(tokens, pace.Burst, per.TotalSeconds, per > pace.Per);
    }

    private static bool TryStatus(string? text, out MessageStatus? status)
    {
        status = text switch
        {
            "pending" => MessageStatus.Pending,
            "delivered" => MessageStatus.Delivered,
            "dead" => MessageStatus.Dead,
            _ => null,
        };
        return text is null || status is not null;
    }

    private static int? Limit(int? limit) => limit switch
    {
        null => DefaultLimit,
        >= 1 and <= MaxLimit => limit,
        _ => null,
    };

    private static ProblemHttpResult BadLimit() => BadFilter($"limit must be from 1 to {MaxLimit}");

    private static ProblemHttpResult BadFilter(string detail) => TypedResults.Problem(detail: detail, statusCode: 400, title: "Bad query");

    private static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(detail: detail, statusCode: 404, title: "Not found");
}
