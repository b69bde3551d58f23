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

    private static Results<Ok<ReadyView>, JsonHttpResult<ReadyView>> Ready(IStoreHealth store, DeliveryWorker worker, LiveRuntime live)
    {
        var config = live.Current.Config;
        var health = worker.Destinations.ToDictionary(h => h.Name, StringComparer.Ordinal);
        var destinations = config.Destinations.Keys.Order(StringComparer.Ordinal)
            .Select(name => new ReadyDestination(name, health.TryGetValue(name, out var h) ? DestinationView.HealthName(h.Mode) : "healthy"))
            .ToList();
        var writable = store.LastCommitFailure is null;
        var view = new ReadyView(writable ? "ready" : "not_ready", "loaded", writable ? "writable" : "failing", destinations);
        return writable ? TypedResults.Ok(view) : TypedResults.Json(view, Hosting.HttpJson.Default.ReadyView, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>The <c>/readyz</c> answer.</summary>
public sealed record ReadyView(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("config")] string Config,
    [property: JsonPropertyName("store")] string Store,
    [property: JsonPropertyName("destinations")] IReadOnlyList<ReadyDestination> Destinations);

public sealed record ReadyDestination(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("state")] string State);
