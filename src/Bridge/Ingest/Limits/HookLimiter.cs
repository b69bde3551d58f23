using System.Net;
using System.Threading.RateLimiting;
using Bridge.Configuration;

namespace Bridge.Ingest.Limits;

/// <summary>
/// The rate limits on <c>/hooks</c>, taken in order: requests per client address (off by default), requests per source.
/// Places in flight are <see cref="HookSlots"/>' job, once the gate knows whether the sender is authenticated.
/// A refusal says which limit was hit and when to retry. Limits come from the live config on every request, so a
/// reload applies new values (each distinct value gets its own bucket).
/// </summary>
public sealed class HookLimiter : PartitionedRateLimiter<HttpContext>
{
    /// <summary>Replenishment runs on the partitioned limiter's 100 ms tick; shorter periods would be rounded up to it anyway.</summary>
    private static readonly TimeSpan MinPeriod = TimeSpan.FromMilliseconds(100);

    private readonly LiveRuntime _live;
    private readonly PartitionedRateLimiter<HttpContext> _perClient;
    private readonly PartitionedRateLimiter<HttpContext> _perSource;

    public HookLimiter(LiveRuntime live)
    {
        _live = live;
        _perClient = Create(http => Limits(http)?.PerClient is { } rate
            ? RateLimitPartition.GetTokenBucketLimiter((Client(http), rate), key => Bucket(key.rate))
            : RateLimitPartition.GetNoLimiter<(string, RateLimitConfig)>(default));
        _perSource = Create(http => Limits(http) is not null && Source(http) is { RateLimit: { } rate } source
            ? RateLimitPartition.GetTokenBucketLimiter((source.Name, rate), key => Bucket(key.rate))
            : RateLimitPartition.GetNoLimiter<(string, RateLimitConfig)>(default));
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var client = _perClient.AttemptAcquire(resource, permitCount);
        if (!client.IsAcquired)
        {
            var rate = Limits(resource)!.PerClient!;
            return Refused(client, $"too many requests from {Client(resource)} (at most {Describe(rate)})");
        }

        var source = _perSource.AttemptAcquire(resource, permitCount);
        if (!source.IsAcquired)
        {
            client.Dispose();
            var config = Source(resource)!;
            return Refused(source, $"too many requests to source '{config.Name}' (at most {Describe(config.RateLimit!)}, from all senders together)");
        }
        return new HeldLease([source, client]);
    }

    /// <summary>No request waits in a queue: a limit hit is answered at once, and the sender retries.</summary>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _perClient.Dispose();
            _perSource.Dispose();
        }
        base.Dispose(disposing);
    }

    internal static string Describe(RateLimitConfig rate) => $"{rate.Requests} per {Format(rate.Per)}";

    private static string Format(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours:0}h"
        : span.TotalMinutes >= 1 && span.TotalMinutes % 1 == 0 ? $"{span.TotalMinutes:0}m"
        : $"{span.TotalSeconds:0.###}s";

    /// <summary>Only hook requests are limited: health checks must answer however busy the hooks are.</summary>
    private IngestLimitsConfig? Limits(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/hooks") ? _live.Current.Config.Server.Limits : null;

    private SourceConfig? Source(HttpContext http) =>
        http.Request.RouteValues["source"] is string name && _live.Current.Config.Sources.TryGetValue(name, out var source) ? source : null;

    /// <summary>The client's address, after trusted proxies are unwrapped; IPv4 clients on a dual-stack socket count as IPv4.</summary>
    private static string Client(HttpContext http) => http.Connection.RemoteIpAddress switch
    {
        null => "unknown",
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        IPAddress address => address.ToString(),
    };

    /// <summary>A burst of up to <c>Requests</c>, refilled evenly over <c>Per</c>.</summary>
    private static TokenBucketRateLimiterOptions Bucket(RateLimitConfig rate)
    {
        var period = TimeSpan.FromTicks(Math.Max(rate.Per.Ticks / rate.Requests, MinPeriod.Ticks));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = rate.Requests,
            ReplenishmentPeriod = period,
            TokensPerPeriod = (int)Math.Max(1, Math.Round((double)rate.Requests * period.Ticks / rate.Per.Ticks)),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    private static RefusedLease Refused(RateLimitLease inner, string reason)
    {
        TimeSpan? retryAfter = inner.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : null;
        inner.Dispose();
        return new RefusedLease(reason, retryAfter);
    }

    private static PartitionedRateLimiter<HttpContext> Create<TKey>(Func<HttpContext, RateLimitPartition<TKey>> partitioner)
        where TKey : notnull => PartitionedRateLimiter.Create(partitioner);

    /// <summary>The leases of every limit a request passed, given back together when the request ends.</summary>
    private sealed class HeldLease(RateLimitLease[] leases) : RateLimitLease
    {
        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                foreach (var lease in leases) lease.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>A refusal: the reason (for the answer's detail) and when to retry.</summary>
    private sealed class RefusedLease(string reason, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [MetadataName.ReasonPhrase.Name] : [MetadataName.ReasonPhrase.Name, MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.ReasonPhrase.Name ? reason
                : metadataName == MetadataName.RetryAfter.Name ? retryAfter
                : null;
            return metadata is not null;
        }
    }
}
