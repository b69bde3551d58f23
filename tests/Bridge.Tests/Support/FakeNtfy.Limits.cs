using System.Collections.Concurrent;
using System.Net;

namespace Bridge.Tests.Support;

/// <summary>
/// The fake's rate-limit mode: ntfy's visitor limits as its source has them (shared/docs/ntfy.md), on the test's clock.
/// Each client address has a request bucket (burst 60, one back per 5 s) answering 429 42901 when empty, a daily message
/// quota answering 42908 until midnight UTC, and a failed-authentication bucket (burst 30, one back per minute) past
/// which every request with an Authorization header gets 42909. No 429 carries Retry-After, as with ntfy.
/// </summary>
public sealed partial class FakeNtfy
{
    private Limits? _limits;

    /// <summary>The 429s the limits gave, by ntfy code, in order.</summary>
    public IReadOnlyCollection<int> RateLimited => _limits?.Refusals ?? [];

    /// <summary>Turns ntfy's limits on, refilled on <paramref name="time"/> (the bridge's fake clock).</summary>
    /// <param name="dailyQuota">Messages a client may publish per UTC day; null: no quota (ntfy's default is 17,280, ntfy.sh's anonymous 250).</param>
    public void EnforceLimits(TimeProvider time, int burst = 60, TimeSpan? refill = null, int? dailyQuota = null) =>
        _limits = new Limits(time, burst, refill ?? TimeSpan.FromSeconds(5), dailyQuota);

    /// <summary>The limits' answer before the request is looked at (lock-out, then request limit); null lets it through.</summary>
    private (int Code, string Error)? Limit(IPAddress? client, bool hasAuthorization) => _limits?.Admit(client, hasAuthorization);

    private void AuthFailed(IPAddress? client) => _limits?.AuthFailed(client);

    /// <summary>Counts a publish against the daily quota; false (and a 42908 to give) once it is used up.</summary>
    private bool QuotaAllows(IPAddress? client) => _limits?.CountMessage(client) ?? true;

    private void QuotaRefused() => _limits?.Refusals.Enqueue(42908);

    private sealed class Limits(TimeProvider time, int burst, TimeSpan refill, int? dailyQuota)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, Visitor> _visitors = [];

        public ConcurrentQueue<int> Refusals { get; } = new();

        public (int Code, string Error)? Admit(IPAddress? client, bool hasAuthorization)
        {
            lock (_gate)
            {
                var v = Of(client);
                var now = time.GetUtcNow();
                if (hasAuthorization && !v.Auth.HasToken(now)) return Refuse(42909, "limit reached: too many auth failures");
                if (!v.Requests.TryTake(now)) return Refuse(42901, "limit reached: too many requests");
                return null;
            }
        }

        public void AuthFailed(IPAddress? client)
        {
            lock (_gate) Of(client).Auth.TryTake(time.GetUtcNow());
        }

        public bool CountMessage(IPAddress? client)
        {
            lock (_gate)
            {
                var v = Of(client);
                var day = time.GetUtcNow().UtcDateTime.Date;
                if (v.Day != day) (v.Day, v.Messages) = (day, 0);
                if (dailyQuota is { } quota && v.Messages >= quota) return false;
                v.Messages++;
                return true;
            }
        }

        private (int, string) Refuse(int code, string error)
        {
            Refusals.Enqueue(code);
            return (code, error);
        }

        private Visitor Of(IPAddress? client)
        {
            var key = client?.ToString() ?? "";
            if (!_visitors.TryGetValue(key, out var v))
                _visitors[key] = v = new Visitor(new Bucket(burst, refill, time.GetUtcNow()), new Bucket(30, TimeSpan.FromMinutes(1), time.GetUtcNow()));
            return v;
        }
    }

    private sealed class Visitor(Bucket requests, Bucket auth)
    {
        public Bucket Requests { get; } = requests;
        public Bucket Auth { get; } = auth;
        public DateTime Day { get; set; }
        public int Messages { get; set; }
    }

    /// <summary>Go's rate.Limiter as ntfy uses it (continuous refill, capped at the burst), in whole ticks so a boundary is exact.</summary>
    private sealed class Bucket(int burst, TimeSpan refill, DateTimeOffset start)
    {
        private long _ticks = burst * refill.Ticks;
        private DateTimeOffset _at = start;

        public bool HasToken(DateTimeOffset now)
        {
            Refill(now);
            return _ticks >= refill.Ticks;
        }

        public bool TryTake(DateTimeOffset now)
        {
            if (!HasToken(now)) return false;
            _ticks -= refill.Ticks;
            return true;
        }

        private void Refill(DateTimeOffset now)
        {
            if (now > _at) _ticks = Math.Min(burst * refill.Ticks, _ticks + (now - _at).Ticks);
            _at = now;
        }
    }
}
