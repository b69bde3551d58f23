using Bridge.Configuration;

namespace Bridge.Delivery;

public enum DestinationMode
{
    /// <summary>Sending normally.</summary>
    Healthy,
    /// <summary>Failed repeatedly (connection, timeout, 5xx): one probe at a time until one gets through.</summary>
    Tripped,
    /// <summary>ntfy refused the credentials (401/403, or 42909 lock-out): one probe at a time until the token works.</summary>
    Paused,
}

/// <summary>
/// What the delivery worker knows about one destination: how many sends are under way, whether it is tripped or paused
/// and when the next probe may go, its token bucket (<see cref="Pace"/>), and how long it is held (a <c>Retry-After</c>,
/// a 42901 while unpaced, ntfy's daily quota) and why. While a destination is
/// tripped or paused, queued messages keep their schedule (their time is not spent); a single probe tests the water.
/// Thread-safe: sends finish on pool threads. Not Polly's circuit breaker: that one only refuses calls, while here a
/// probe is a real message, a pause must not spend schedules, and the state is what <c>bridge status</c> reports.
/// </summary>
public sealed class DestinationHealth(string name)
{
    /// <summary>Consecutive failed attempts that trip a destination.</summary>
    public const int TripAfter = 5;

    /// <summary>Probes of a paused destination are at least this far apart: ntfy refills failed logins one per minute, and locks the IP out past its burst.</summary>
    public static readonly TimeSpan MinAuthProbeInterval = TimeSpan.FromMinutes(1);

    /// <summary>No probe waits longer than this.</summary>
    public static readonly TimeSpan MaxProbeInterval = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private int _failures;
    private int _probes;

    public string Name { get; } = name;

    public DestinationMode Mode { get; private set; }

    public int InFlight { get; private set; }

    /// <summary>Why the destination is tripped or paused, for logs and status.</summary>
    public string? Reason { get; private set; }

    public DateTimeOffset? Since { get; private set; }

    public DateTimeOffset NextProbeAt { get; private set; }

    public DateTimeOffset HoldUntil { get; private set; }

    /// <summary>Why it is held until <see cref="HoldUntil"/>, for logs and status.</summary>
    public string? HoldReason { get; private set; }

    /// <summary>The hold is ntfy's daily quota (42908): the destination's waiting messages may move to its fallback.</summary>
    public bool QuotaHeld(DateTimeOffset now)
    {
        lock (_gate) return _quota && HoldUntil > now;
    }

    /// <summary>The pacing states, as status and metrics name them.</summary>
    public const string Open = "open", PacedName = "paced", Holding = "holding";

    /// <summary>Held (until <see cref="HoldUntil"/>, for <see cref="HoldReason"/>), paced (due messages wait for tokens), or open.</summary>
    public string PacingName(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (HoldUntil > now) return Holding;
        }
        return Pace.Waiting ? PacedName : Open;
    }

    /// <summary>The token bucket its sends wait for.</summary>
    public DestinationPace Pace { get; } = new();

    private bool _quota;

    /// <summary>The destination's configuration when it was paused: a changed one (a fixed token) is probed at once.</summary>
    private DestinationConfig? _pausedWith;

    /// <summary>How many sends may start now, and when to look again if none may.</summary>
    public (int Slots, DateTimeOffset? WakeAt) Allowance(DateTimeOffset now, DestinationConfig config, int maxConcurrent)
    {
        lock (_gate)
        {
            if (HoldUntil > now) return (0, HoldUntil);
            if (Mode == DestinationMode.Healthy) return (Math.Max(0, maxConcurrent - InFlight), null);
            if (InFlight > 0) return (0, null);
            if (Mode == DestinationMode.Paused && _pausedWith is not null && _pausedWith != config) NextProbeAt = now;
            return now >= NextProbeAt ? (1, null) : (0, NextProbeAt);
        }
    }

    /// <summary>Whether sends now are probes (their failures do not spend the messages' schedules).</summary>
    public bool IsProbing
    {
        get { lock (_gate) return Mode != DestinationMode.Healthy; }
    }

    public void Started()
    {
        lock (_gate) InFlight++;
    }

    /// <summary>The send reached ntfy and ntfy answered about the message (stored, or rejected the message itself).</summary>
    /// <returns>Whether this ended a trip or pause (worth a log line).</returns>
    public bool Succeeded()
    {
        lock (_gate)
        {
            InFlight--;
            _failures = 0;
            _probes = 0;
            var recovered = Mode != DestinationMode.Healthy;
            Mode = DestinationMode.Healthy;
            Reason = null;
            Since = null;
            _pausedWith = null;
            return recovered;
        }
    }

    /// <summary>A transient failure (connection, timeout, 408, 5xx).</summary>
    /// <param name="probe">The send was the probe of a tripped or paused destination, not one started before it was.</param>
    /// <returns>Whether this failure tripped the destination.</returns>
    public bool Failed(DateTimeOffset now, RetryConfig retry, string reason, TimeSpan hold, bool probe)
    {
        lock (_gate)
        {
            InFlight--;
            Hold(now, hold, "the server asked to wait (Retry-After)");
            _failures++;
            if (Mode == DestinationMode.Healthy && _failures < TripAfter) return false;
            // A send under way when the destination tripped or paused says nothing about its probe: it neither moves the
            // probe (a pause's would come sooner than ntfy's login refill allows) nor replaces why it was paused.
            if (Mode != DestinationMode.Healthy && !probe) return false;
            var tripped = Mode == DestinationMode.Healthy;
            if (tripped)
            {
                Mode = DestinationMode.Tripped;
                Since = now;
            }
            Reason = reason;
            NextProbeAt = now + ProbeWait(retry, MinProbeInterval(retry));
            return tripped;
        }
    }

    /// <summary>ntfy refused the credentials.</summary>
    /// <returns>Whether this paused the destination (it was not paused already).</returns>
    public bool Refused(DateTimeOffset now, DestinationConfig config, string reason, TimeSpan hold)
    {
        lock (_gate)
        {
            InFlight--;
            Hold(now, hold, "the server asked to wait (Retry-After)");
            var paused = Mode != DestinationMode.Paused;
            if (paused)
            {
                Mode = DestinationMode.Paused;
                Since = now;
                _probes = 0;
            }
            Reason = reason;
            _pausedWith = config;
            NextProbeAt = now + ProbeWait(config.Retry, MinAuthProbeInterval);
            return paused;
        }
    }

    /// <summary>
    /// ntfy answered "too many requests" (42901, or a 429 without ntfy's code): the bucket is emptied and slowed (an unpaced
    /// destination is held a little instead). Neither a failure towards a trip nor a probe's answer.
    /// </summary>
    /// <returns>Whether this slowed the pace further (worth a log line).</returns>
    /// <param name="sent">When the refused send started (see <see cref="DestinationPace.SlowDown"/>).</param>
    public bool SlowedDown(DateTimeOffset now, PaceConfig? rate, string reason, TimeSpan retryAfter, DateTimeOffset sent)
    {
        lock (_gate)
        {
            InFlight--;
            var before = Pace.TimesSlowed;
            var unpacedHold = Pace.SlowDown(now, rate, sent);
            Hold(now, retryAfter > unpacedHold ? retryAfter : unpacedHold, $"ntfy asked it to slow down ({reason})");
            return Pace.TimesSlowed > before;
        }
    }

    /// <summary>ntfy's daily message quota is used up (42908): nothing goes until <paramref name="until"/>, its reset.</summary>
    /// <returns>Whether this began the hold (worth a log line).</returns>
    public bool QuotaReached(DateTimeOffset now, DateTimeOffset until, string reason)
    {
        lock (_gate)
        {
            InFlight--;
            var began = !(_quota && HoldUntil > now);
            Hold(now, until - now, $"ntfy's daily message quota is used up ({reason})");
            _quota = true;
            return began;
        }
    }

    /// <summary>A send ended without an answer worth judging (shutdown).</summary>
    public void Abandoned()
    {
        lock (_gate) InFlight--;
    }

    private void Hold(DateTimeOffset now, TimeSpan hold, string reason)
    {
        if (hold <= TimeSpan.Zero || now + hold <= HoldUntil) return;
        HoldUntil = now + hold;
        HoldReason = reason;
        _quota = false;
    }

    /// <summary>Probes follow the destination's own schedule, from its second wait on, within [min, <see cref="MaxProbeInterval"/>].</summary>
    private TimeSpan ProbeWait(RetryConfig retry, TimeSpan min)
    {
        var index = Math.Min(1 + _probes++, retry.Schedule.Count - 1);
        var wait = retry.Schedule[Math.Max(0, index)];
        if (wait < min) wait = min;
        return wait > MaxProbeInterval ? MaxProbeInterval : wait;
    }

    private static TimeSpan MinProbeInterval(RetryConfig retry)
    {
        foreach (var wait in retry.Schedule) if (wait > TimeSpan.Zero) return wait < MaxProbeInterval ? wait : MaxProbeInterval;
        return TimeSpan.FromSeconds(1);
    }
}
