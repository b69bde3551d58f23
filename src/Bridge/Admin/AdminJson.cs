using System.Text.Json;
using System.Text.Json.Serialization;
using Bridge.Delivery;
using Bridge.Storage;

namespace Bridge.Admin;

/// <summary>One page of a list: <c>{"items": [...], "next": cursor or null}</c>; pass <c>next</c> back as <c>?cursor=</c>.</summary>
public sealed record ListPage<T>(
    [property: JsonPropertyName("items")] IReadOnlyList<T> Items,
    [property: JsonPropertyName("next")] string? Next);

/// <summary>An event in a list.</summary>
public sealed record EventView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("action")] string? Action,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("processed_at")] DateTimeOffset? ProcessedAt,
    [property: JsonPropertyName("rules")] IReadOnlyList<string> Rules,
    [property: JsonPropertyName("duplicates")] int Duplicates)
{
    public static EventView From(StoredEvent e) => new(e.EventId, e.Seq, e.Source, e.Action, StatusName(e.Status),
        e.ReceivedAt, e.ProcessedAt, e.RulesToRun, e.Duplicates);

    public static string StatusName(EventStatus status) => status switch
    {
        EventStatus.Received => "received",
        EventStatus.WaitingForGroups => "waiting_for_groups",
        _ => "processed",
    };
}

/// <summary>An event with everything known about it: the normalised event, every rule's verdict, its messages and their attempts.</summary>
public sealed record EventDetail(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("action")] string? Action,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("duplicates")] int Duplicates,
    [property: JsonPropertyName("event")] JsonElement Event,
    [property: JsonPropertyName("verdicts")] JsonElement Verdicts,
    [property: JsonPropertyName("messages")] IReadOnlyList<MessageView> Messages,
    [property: JsonPropertyName("mapping_log")] IReadOnlyList<MappingRunLog> MappingLog)
{
    /// <summary>While its rules wait for its user's groups: why, and when the look-up is tried next; else absent.</summary>
    [JsonPropertyName("groups_wait")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GroupWaitView? GroupsWait { get; init; }
}

/// <summary>Why an event waits for its groups (Authentik's API), and its retry schedule.</summary>
public sealed record GroupWaitView(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("next_try")] DateTimeOffset NextTry,
    [property: JsonPropertyName("attempts")] int Attempts);

/// <summary>A message: where it goes, how far it got, and (in an event's detail) every attempt.</summary>
public sealed record MessageView(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("event_id")] string EventId,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("destination")] string Destination,
    [property: JsonPropertyName("topic")] string? Topic,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("next_attempt_at")] DateTimeOffset? NextAttemptAt,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("last_error")] string? LastError,
    [property: JsonPropertyName("dead_reason")] string? DeadReason,
    [property: JsonPropertyName("message")] JsonElement? Message)
{
    [JsonPropertyName("attempt_log")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AttemptView>? AttemptLog { get; init; }

    public static MessageView From(StoredMessage m) => new(m.Id, m.EventId, m.Rule, m.Destination, m.Topic, StatusName(m.Status), m.Attempts,
        m.Status == MessageStatus.Pending ? m.NextAttemptAt : null, m.CreatedAt, m.LastError, m.DeadReason,
        m.Body is null ? null : JsonDocument.Parse(m.Body).RootElement.Clone());

    public static string StatusName(MessageStatus status) => status switch
    {
        MessageStatus.Pending => "pending",
        MessageStatus.Delivered => "delivered",
        _ => "dead",
    };
}

/// <summary>One delivery attempt.</summary>
public sealed record AttemptView(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("http_status")] int? HttpStatus,
    [property: JsonPropertyName("ntfy_code")] int? NtfyCode,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("duration_ms")] long DurationMs)
{
    public static AttemptView From(AttemptRecord a) => new(a.At, a.Outcome, a.HttpStatus, a.NtfyCode, a.Detail, (long)a.Duration.TotalMilliseconds);
}

/// <summary>What a replay did.</summary>
public sealed record ReplayAnswer([property: JsonPropertyName("replayed")] int Replayed);

/// <summary><c>GET /api/status</c>: queue depth by state, and each destination's health.</summary>
public sealed record StatusView(
    [property: JsonPropertyName("unprocessed_events")] int UnprocessedEvents,
    [property: JsonPropertyName("messages")] IReadOnlyDictionary<string, int> Messages,
    [property: JsonPropertyName("destinations")] IReadOnlyList<DestinationView> Destinations)
{
    /// <summary>Events whose rules wait for their user's groups from Authentik's API (not in <see cref="UnprocessedEvents"/>).</summary>
    [JsonPropertyName("waiting_for_groups")]
    public int WaitingForGroups { get; init; }

    /// <summary>Each source with <c>authentik_api</c>: how its API did at the last look-up, and its waiting events.</summary>
    [JsonPropertyName("group_lookup")]
    public IReadOnlyList<GroupLookupView> GroupLookup { get; init; } = [];
}

/// <summary>One source's group look-up: <c>answering</c>, <c>unreachable</c> or <c>refused</c> (with why), and how many events wait.</summary>
public sealed record GroupLookupView(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("since")] DateTimeOffset? Since,
    [property: JsonPropertyName("waiting")] int Waiting)
{
    /// <summary>Every source with <c>authentik_api</c> (one not asked yet is <c>answering</c>), and any other with events still waiting.</summary>
    public static IReadOnlyList<GroupLookupView> Of(Configuration.BridgeConfig config, IReadOnlyList<Authentik.ApiHealth> health, IReadOnlyDictionary<string, int> waiting)
    {
        var known = health.ToDictionary(h => h.Source, StringComparer.Ordinal);
        return [.. config.Sources.Values.Where(s => s.AuthentikApi is not null).Select(s => s.Name).Union(waiting.Keys).Order(StringComparer.Ordinal)
            .Select(name => known.TryGetValue(name, out var h)
                ? new GroupLookupView(name, h.StateName, h.Reason, h.Since, waiting.GetValueOrDefault(name))
                : new GroupLookupView(name, "answering", null, null, waiting.GetValueOrDefault(name)))];
    }
}

/// <summary>A destination's token bucket now.</summary>
public sealed record RateView(
    [property: JsonPropertyName("tokens")] int Tokens,
    [property: JsonPropertyName("burst")] int Burst,
    [property: JsonPropertyName("per_seconds")] double PerSeconds,
    [property: JsonPropertyName("slowed")] bool Slowed);

/// <summary>One destination: its health, its messages by state, and when it is tried next (a probe while tripped or paused, else the earliest due message).</summary>
public sealed record DestinationView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("health")] string Health,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("since")] DateTimeOffset? Since,
    [property: JsonPropertyName("pending")] int Pending,
    [property: JsonPropertyName("delivered")] int Delivered,
    [property: JsonPropertyName("dead")] int Dead,
    [property: JsonPropertyName("next_try")] DateTimeOffset? NextTry)
{
    /// <summary>
    /// <c>open</c>; <c>paced</c>: due messages wait for the token bucket (<see cref="Pending"/> of them queued);
    /// <c>holding</c>: nothing goes until <see cref="HoldUntil"/>, for <see cref="HoldReason"/>.
    /// </summary>
    [JsonPropertyName("pacing")]
    public string Pacing { get; init; } = Delivery.DestinationHealth.Open;

    /// <summary>The bucket: sends it allows now, its size, and the time a token takes (slowed after ntfy's 42901); null for <c>rate: none</c> or a dry-run.</summary>
    [JsonPropertyName("rate")]
    public RateView? Rate { get; init; }

    [JsonPropertyName("hold_until")]
    public DateTimeOffset? HoldUntil { get; init; }

    [JsonPropertyName("hold_reason")]
    public string? HoldReason { get; init; }

    /// <summary>Where its waiting messages go while ntfy's daily quota holds it.</summary>
    [JsonPropertyName("fallback")]
    public string? Fallback { get; init; }

    public static string HealthName(DestinationMode mode) => mode switch
    {
        DestinationMode.Healthy => "healthy",
        DestinationMode.Tripped => "tripped",
        _ => "paused",
    };
}
