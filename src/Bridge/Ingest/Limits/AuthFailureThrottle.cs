using System.Net;
using Bridge.Configuration;

namespace Bridge.Ingest.Limits;

/// <summary>
/// <c>server.limits.auth_failures</c>, as ntfy limits failed logins: each address has a small bucket of failures that
/// refills slowly; an address with none left is locked out (refused before its credential is looked at, so a right
/// guess cannot be told from a wrong one) until the next refill. Guessing a token then costs hours, not seconds.
/// IPv6 clients count by their /64, the block one subscriber gets.
/// </summary>
public sealed class AuthFailureThrottle(TimeProvider time)
{
    /// <summary>Addresses tracked at once; a failure from a new one while the table is full of unrefilled buckets is not counted.</summary>
    public const int MaxAddresses = 10_000;

    private readonly Dictionary<IPAddress, Bucket> _buckets = [];

    /// <returns>How long until the address may try again, or null when it may try now.</returns>
    public TimeSpan? LockedOut(IPAddress? client, RateLimitConfig rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        if (client is null) return null;
        var key = Key(client);
        var now = time.GetTimestamp();
        lock (_buckets)
        {
            if (!_buckets.TryGetValue(key, out var bucket)) return null;
            var tokens = bucket.Tokens(now, rate, time);
            return tokens >= 1 ? null : Interval(rate) * (1 - tokens);
        }
    }

    /// <summary>Counts one failed authentication from the address.</summary>
    public void Failed(IPAddress? client, RateLimitConfig rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        if (client is null) return;
        var key = Key(client);
        var now = time.GetTimestamp();
        lock (_buckets)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                if (_buckets.Count >= MaxAddresses && !Prune(now, rate)) return;
                bucket = _buckets[key] = new Bucket(rate.Requests, now);
            }
            bucket.Take(now, rate, time);
        }
    }

    /// <summary>Forgets addresses whose bucket has refilled: they are as if never seen.</summary>
    private bool Prune(long now, RateLimitConfig rate)
    {
        foreach (var (address, bucket) in _buckets)
        {
            if (bucket.Tokens(now, rate, time) >= rate.Requests) _buckets.Remove(address);
        }
        return _buckets.Count < MaxAddresses;
    }

    private static TimeSpan Interval(RateLimitConfig rate) => rate.Per / rate.Requests;

    private static IPAddress Key(IPAddress client)
    {
        if (client.IsIPv4MappedToIPv6) return client.MapToIPv4();
        if (client.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return client;
        var bytes = client.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    /// <summary>Failures left, as of <see cref="_at"/>; refilled lazily whenever it is read.</summary>
    private sealed class Bucket(double tokens, long at)
    {
        private double _tokens = tokens;
        private long _at = at;

        public double Tokens(long now, RateLimitConfig rate, TimeProvider time) =>
            Math.Min(rate.Requests, _tokens + time.GetElapsedTime(_at, now) / Interval(rate));

        public void Take(long now, RateLimitConfig rate, TimeProvider time)
        {
            _tokens = Math.Max(0, Tokens(now, rate, time) - 1);
            _at = now;
        }
    }
}
