using Bridge.Authentik;
using Bridge.Admin;
using Bridge.Configuration;
using Bridge.Delivery;
using Bridge.Storage;
using Prometheus;

namespace Bridge.Observability;

/// <summary>
/// Every metric the bridge exports at <c>/metrics</c> (prometheus-net, Prometheus text format). One registry per host,
/// so two bridges in one process (tests) never count each other's traffic. Label values are bounded by the config
/// (source, rule and destination names, fixed outcome words): never an event id, a user or a path a sender chose.
/// Queue depth and destination state are read when scraped, so they are never stale.
/// </summary>
public sealed class BridgeMetrics
{
    /// <summary>The source label of a hook for a source the config does not have (its name came from the URL).</summary>
    public const string UnknownSource = "(unknown)";

    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0005, 2, 16);

    private readonly Counter _received;
    private readonly Histogram _ingest;
    private readonly Counter _ruleMatches;
    private readonly Histogram _mapping;
    private readonly Counter _mappingErrors;
    private readonly Counter _attempts;
    private readonly Counter _deliveries;
    private readonly Counter _deadLetters;
    private readonly Histogram _commit;
    private readonly Counter _rateLimits;
    private readonly Counter _fallbackMoves;
    private readonly Counter _throttled;
    private readonly Counter _digests;

    public BridgeMetrics()
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        _received = factory.CreateCounter("bridge_events_received_total", "Hooks received, by source, outcome (accepted, duplicate, refused) and HTTP status answered.",
            "source", "outcome", "status");
        _ingest = factory.CreateHistogram("bridge_ingest_duration_seconds", "Time from a hook's request to its answer (the 202 waits for the store's commit).",
            ["source"], new HistogramConfiguration { Buckets = LatencyBuckets });
        _ruleMatches = factory.CreateCounter("bridge_rule_matches_total", "Accepted events a rule matched.", "rule");
        _mapping = factory.CreateHistogram("bridge_mapping_duration_seconds", "Time one rule's mapping ran on one event.",
            ["rule"], new HistogramConfiguration { Buckets = LatencyBuckets });
        _mappingErrors = factory.CreateCounter("bridge_mapping_errors_total", "Mapping runs that failed (a script error, a bad field, a sandbox limit).", "rule");
        _attempts = factory.CreateCounter("bridge_delivery_attempts_total",
            "Delivery attempts, by destination and outcome (delivered, dry_run, failed, rate_limited, rejected, paused).", "destination", "outcome");
        _deliveries = factory.CreateCounter("bridge_deliveries_total", "Messages that reached their end, by destination and outcome (delivered, dead).",
            "destination", "outcome");
        _deadLetters = factory.CreateCounter("bridge_dead_letters_total",
            "Messages that died, by destination and cause (mapping, rejected, retries_exhausted, expired).", "destination", "cause");
        _rateLimits = factory.CreateCounter("bridge_rate_limited_total",
            "429 answers, by destination and ntfy's code (42901 too many requests, 42908 daily quota, 42909 auth lock-out, none).", "destination", "code");
        _fallbackMoves = factory.CreateCounter("bridge_fallback_moves_total",
            "Waiting messages moved to a destination's fallback while ntfy's daily quota held it, by destination and fallback.", "destination", "fallback");
        _throttled = factory.CreateCounter("bridge_throttled_total",
            "Events a rule's throttle held (not sent one by one), counted when their period's digest is made, by the instance that makes it.", "rule");
        _digests = factory.CreateCounter("bridge_throttle_digests_total", "Digests made for throttled rules' periods that held events.", "rule");
        _commit = factory.CreateHistogram("bridge_store_commit_duration_seconds", "Time one store transaction (a group of writes) took to commit.",
            new HistogramConfiguration { Buckets = LatencyBuckets });
    }

    /// <summary>This host's metrics, exported at <c>/metrics</c>.</summary>
    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    /// <summary>Reads queue depth, group look-ups and destination states at each scrape (the worker and the store exist only once the host is built).</summary>
    public void WatchQueue(IAdminStore store, IGroupWaits waits, GroupResolver groups, DeliveryWorker worker, LiveRuntime live, TimeProvider time)
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        var messages = factory.CreateGauge("bridge_messages", "Messages in the store, by destination and state (pending: not tried yet; retrying: pending after a failed attempt; delivered; dead).",
            "destination", "state");
        var unprocessed = factory.CreateGauge("bridge_unprocessed_events", "Events committed whose mappings have not run yet.");
        var destinations = factory.CreateGauge("bridge_destination_state", "1 for each destination's current state (healthy, tripped, paused), 0 for the others.",
            "destination", "state");
        var pacing = factory.CreateGauge("bridge_destination_pacing",
            "1 for each destination's pacing state (open; paced: messages wait for its token bucket; holding: a Retry-After, a 42901 while unpaced, or ntfy's daily quota), 0 for the others.",
            "destination", "state");
        var tokens = factory.CreateGauge("bridge_destination_tokens", "Sends a paced destination's token bucket allows now (destinations with rate: none are not listed).", "destination");
        var waitingForGroups = factory.CreateGauge("bridge_events_waiting_for_groups", "Events whose rules wait for their user's groups from Authentik's API, by source.", "source");
        var lookups = factory.CreateGauge("bridge_group_lookup_state",
            "1 for the state of each source's group look-up in Authentik's API at its last call (answering, unreachable, refused), 0 for the others.", "source", "state");
        Registry.AddBeforeCollectCallback(async ct =>
        {
            // Only sources with authentik_api are labelled: their names come from the config, so the labels stay bounded.
            var waiting = await waits.CountAsync(ct);
            var health = groups.Health.ToDictionary(h => h.Source, StringComparer.Ordinal);
            foreach (var (name, source) in live.Current.Config.Sources)
            {
                if (source.AuthentikApi is null) continue;
                waitingForGroups.WithLabels(name).Set(waiting.GetValueOrDefault(name));
                var state = health.TryGetValue(name, out var h) ? h.StateName : "answering";
                foreach (var candidate in (ReadOnlySpan<string>)["answering", "unreachable", "refused"])
                    lookups.WithLabels(name, candidate).Set(candidate == state ? 1 : 0);
            }
        });
        Registry.AddBeforeCollectCallback(async ct =>
        {
            var counts = await store.CountAsync(ct);
            unprocessed.Set(counts.UnprocessedEvents);
            foreach (var (destination, byStatus) in counts.Messages)
            {
                var retrying = counts.Retrying.GetValueOrDefault(destination);
                messages.WithLabels(destination, "pending").Set(byStatus.GetValueOrDefault(MessageStatus.Pending) - retrying);
                messages.WithLabels(destination, "retrying").Set(retrying);
                foreach (var status in (ReadOnlySpan<MessageStatus>)[MessageStatus.Delivered, MessageStatus.Dead])
                    messages.WithLabels(destination, MessageView.StatusName(status)).Set(byStatus.GetValueOrDefault(status));
            }
            var health = worker.Destinations.ToDictionary(h => h.Name, StringComparer.Ordinal);
            foreach (var name in live.Current.Config.Destinations.Keys)
            {
                var state = health.TryGetValue(name, out var h) ? DestinationView.HealthName(h.Mode) : "healthy";
                foreach (var candidate in (ReadOnlySpan<string>)["healthy", "tripped", "paused"])
                    destinations.WithLabels(name, candidate).Set(candidate == state ? 1 : 0);
                var now = time.GetUtcNow();
                var paceState = h?.PacingName(now) ?? DestinationHealth.Open;
                foreach (var candidate in (ReadOnlySpan<string>)[DestinationHealth.Open, DestinationHealth.PacedName, DestinationHealth.Holding])
                    pacing.WithLabels(name, candidate).Set(candidate == paceState ? 1 : 0);
                var destination = live.Current.Config.Destinations[name];
                if (destination.Pace is not null)
                    tokens.WithLabels(name).Set(h?.Pace.Describe(now, destination.Pace)?.Tokens ?? destination.Pace.Burst);
            }
        });
    }

    public void HookAnswered(string source, string outcome, int status, TimeSpan took)
    {
        _received.WithLabels(source, outcome, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        _ingest.WithLabels(source).Observe(took.TotalSeconds);
    }

    public void RuleMatched(string rule) => _ruleMatches.WithLabels(rule).Inc();

    public void MappingRan(string rule, TimeSpan took, bool failed)
    {
        _mapping.WithLabels(rule).Observe(took.TotalSeconds);
        if (failed) _mappingErrors.WithLabels(rule).Inc();
    }

    /// <summary>A message no mapping could make, or that could not be made at all: dead before any attempt.</summary>
    public void DeadAtBirth(string destination) => Died(destination, "mapping");

    /// <summary>One delivery attempt and what it made of its message.</summary>
    public void Attempted(string destination, string outcome, MessageStatus next)
    {
        _attempts.WithLabels(destination, outcome).Inc();
        if (next == MessageStatus.Delivered) _deliveries.WithLabels(destination, "delivered").Inc();
        else if (next == MessageStatus.Dead) Died(destination, outcome == "rejected" ? "rejected" : "retries_exhausted");
    }

    /// <summary>A 429, by ntfy's code.</summary>
    public void RateLimited(string destination, int? code) =>
        _rateLimits.WithLabels(destination, code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none").Inc();

    public void MovedToFallback(string destination, string fallback, int count) => _fallbackMoves.WithLabels(destination, fallback).Inc(count);

    /// <summary>Messages the max-age sweep ended.</summary>
    public void Expired(string destination, int count)
    {
        if (count <= 0) return;
        _deliveries.WithLabels(destination, "dead").Inc(count);
        _deadLetters.WithLabels(destination, "expired").Inc(count);
    }

    /// <summary>A throttle's digest made, folding <paramref name="held"/> events.</summary>
    public void DigestMade(string rule, long held)
    {
        _digests.WithLabels(rule).Inc();
        _throttled.WithLabels(rule).Inc(held);
    }

    public void Committed(TimeSpan took) => _commit.Observe(took.TotalSeconds);

    private void Died(string destination, string cause)
    {
        _deliveries.WithLabels(destination, "dead").Inc();
        _deadLetters.WithLabels(destination, cause).Inc();
    }
}
