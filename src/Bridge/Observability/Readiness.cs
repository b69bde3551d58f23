using System.Text.Json.Serialization;
using Bridge.Admin;
using Bridge.Configuration;
using Bridge.Delivery;
using Bridge.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bridge.Observability;

/// <summary>
/// <c>GET /readyz</c>, for probes and load balancers, without a token: the config in force, whether the store takes
/// writes, and each destination's state. 503 while the store cannot commit (every hook would be refused); a paused or
/// tripped destination still answers 200, since the bridge keeps accepting and queues for it. Names and states only:
/// reasons (which may quote a path or a server's answer) are for the admin API.
/// </summary>
public static class Readiness
{
    public static RouteHandlerBuilder MapReadiness(this IEndpointRouteBuilder app) =>
        app.MapGet("/readyz", Ready).WithTags("health");

    private static Results<Ok<ReadyView>, JsonHttpResult<ReadyView>> Ready(IStoreHealth store, DeliveryWorker worker, LiveRuntime live, Authentik.GroupResolver groups)
    {
        var config = live.Current.Config;
        var health = worker.Destinations.ToDictionary(h => h.Name, StringComparer.Ordinal);
        var destinations = config.Destinations.Keys.Order(StringComparer.Ordinal)
            .Select(name => new ReadyDestination(name, health.TryGetValue(name, out var h) ? DestinationView.HealthName(h.Mode) : "healthy"))
            .ToList();
        var writable = store.LastCommitFailure is null;
        // A source whose API refuses still answers 200: its events are stored and wait; the state says what to look at.
        var lookups = groups.Health.ToDictionary(h => h.Source, StringComparer.Ordinal);
        var apis = config.Sources.Values.Where(s => s.AuthentikApi is not null).Select(s => s.Name).Order(StringComparer.Ordinal)
            .Select(name => new ReadyGroupLookup(name, lookups.TryGetValue(name, out var h) ? h.StateName : "answering"))
            .ToList();
        var view = new ReadyView(writable ? "ready" : "not_ready", "loaded", writable ? "writable" : "failing", destinations) { GroupLookup = apis };
        return writable ? TypedResults.Ok(view) : TypedResults.Json(view, Hosting.HttpJson.Default.ReadyView, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>The <c>/readyz</c> answer.</summary>
public sealed record ReadyView(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("config")] string Config,
    [property: JsonPropertyName("store")] string Store,
    [property: JsonPropertyName("destinations")] IReadOnlyList<ReadyDestination> Destinations)
{
    /// <summary>Each source's Authentik API for group look-ups: <c>answering</c>, <c>unreachable</c> or <c>refused</c>.</summary>
    [JsonPropertyName("group_lookup")]
    public IReadOnlyList<ReadyGroupLookup> GroupLookup { get; init; } = [];
}

public sealed record ReadyGroupLookup(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("state")] string State);

public sealed record ReadyDestination(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("state")] string State);
