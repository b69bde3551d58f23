using System.Collections.Concurrent;

namespace Bridge.Ingest.Auth;

/// <summary>
/// The message ids seen in signed requests, each kept until its timestamp can no longer pass the tolerance check, so
/// a captured request cannot be sent again. Bounded: when full of live ids it refuses new ones rather than forgetting
/// one early, because forgetting would let that message be replayed.
/// </summary>
public sealed class ReplayCache(TimeProvider time, int capacity = ReplayCache.DefaultCapacity)
{
    /// <summary>Ids remembered at most. 100,000 ids in a 10-minute window is 160 signed requests a second.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private int _claims;

    public int Count => _seen.Count;

    /// <summary>Claims <paramref name="id"/> for <paramref name="source"/> until <paramref name="until"/>.</summary>
    /// <returns>The claim, or null with <paramref name="replayed"/> telling a replay from a full cache.</returns>
    public ReplayClaim? TryClaim(string source, string id, DateTimeOffset until, out bool replayed)
    {
        replayed = false;
        var now = time.GetUtcNow();
        // Sweep now and then, and whenever full, so expired ids do not pile up between bursts.
        if (_seen.Count >= capacity || Interlocked.Increment(ref _claims) % 1024 == 0) Sweep(now);
        if (_seen.Count >= capacity) return null;

        var key = source + "\n" + id;
        while (true)
        {
            if (_seen.TryAdd(key, until)) return new ReplayClaim(this, key, until);
            if (!_seen.TryGetValue(key, out var existing)) continue;
            // Inclusive, like the tolerance check: at exactly `until` the message's timestamp still passes.
            if (existing >= now)
            {
                replayed = true;
                return null;
            }
            if (_seen.TryUpdate(key, until, existing)) return new ReplayClaim(this, key, until);
        }
    }

    internal void Release(string key, DateTimeOffset until) => _seen.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, until));

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, until) in _seen)
        {
            if (until < now) _seen.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, until));
        }
    }
}

/// <summary>
/// A message id taken by an authenticated request. Released when the bridge does not take the event after all (queue
/// full, unreadable body), so the sender's retry of the same message is not mistaken for a replay.
/// </summary>
public sealed class ReplayClaim(ReplayCache cache, string key, DateTimeOffset until)
{
    public void Release() => cache.Release(key, until);
}
