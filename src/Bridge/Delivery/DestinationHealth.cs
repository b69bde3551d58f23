using Bridge.Configuration;
using Bridge.Storage;

namespace Bridge.Delivery;

/// <summary>
/// What one bridge instance knows about one destination: how many of its sends are under way and how many failed in a
/// row (its own), and the destination's <see cref="DestinationState"/> (one for every instance on the store): whether it
/// is tripped or paused and when the next probe may go, how long it is held and why (a <c>Retry-After</c>, a 42901 while
/// unpaced, ntfy's daily quota), and its token bucket (<see cref="Pace"/>, the store's too). While
/// a destination is tripped or paused, queued messages keep their schedule (their time is not spent); a single probe,
/// taken by compare-and-set so that only one instance sends it, tests the water. Thread-safe: sends finish on pool
/// threads. Not Polly's circuit breaker: that one only refuses calls, while here a probe is a real message, a pause must
/// not spend schedules, and the state is what <c>bridge status</c> reports.
/// </summary>
/// <param name="instance">This bridge's name among those sharing the store, as probe owner.</param>
public sealed class DestinationHealth(string name, IDestinationStates states, string instance)
{
    /// <summary>Consecutive failed attempts that trip a destination.</summary>
    public const int TripAfter = 5;

    /// <summary>Probes of a paused destination are at least this far apart: ntfy refills failed logins one per minute, and locks the IP out past its burst.</summary>
    public static readonly TimeSpan MinAuthProbeInterval = TimeSpan.FromMinutes(1);

    /// <summary>No probe waits longer than this.</summary>
    public static readonly TimeSpan MaxProbeInterval = TimeSpan.FromMinutes(5);

    /// <summary>While another instance's probe is out, how often this one looks whether it got through.</summary>
    public static readonly TimeSpan OtherProbeLook = TimeSpan.FromSeconds(1);

    /// <summary>Changes lost to another instance's are decided again on the winner at most this often before the next round tries.</summary>
    private const int SwapTries = 8;

    private readonly Lock _gate = new();
    private DestinationState _state = DestinationState.Healthy;
    private int _failures;
    private int _probes;

    /// <summary>The destination's configuration when this instance saw it paused: a changed one (a fixed token) is probed at once.</summary>
    private DestinationConfig? _pausedWith;

    public string Name { get; } = name;

    public DestinationMode Mode => State.Mode;

    public int InFlight { get; private set; }

    /// <summary>Why the destination is tripped or paused, for logs and status.</summary>
    public string? Reason => State.Reason;

    /// <summary>When this instance first saw the destination tripped or paused.</summary>
    public DateTimeOffset? Since { get; private set; }

    public DateTimeOffset NextProbeAt => State.ProbeAt;

    public DateTimeOffset HoldUntil => State.HoldUntil;

    /// <summary>Why it is held (until <see cref="HoldUntil"/>), by whichever instance held it, for logs and status.</summary>
    public string? HoldReason => State.HoldReason;

    /// <summary>
    /// The hold is ntfy's daily quota, whichever instance got the 42908: the destination's waiting messages may move to its
    /// fallback here too.
    /// </summary>
    public bool QuotaHeld(DateTimeOffset now) => State.QuotaHeld(now);

    /// <summary>The pacing states, as status and metrics name them.</summary>
    public const string Open = "open", PacedName = "paced", Holding = "holding";

    /// <summary>Held (until <see cref="HoldUntil"/>, for <see cref="HoldReason"/>), paced (due messages wait for tokens), or open.</summary>
    public string PacingName(DateTimeOffset now) => HoldUntil > now ? Holding : Pace.Waiting ? PacedName : Open;

    /// <summary>The token bucket this instance's sends wait for (the store's: one for every instance on a shared store).</summary>
    public DestinationPace Pace { get; } = new(name, states);

    /// <summary>Whether sends now are probes (their failures do not spend the messages' schedules).</summary>
    public bool IsProbing => Mode != DestinationMode.Healthy;

    private DestinationState State
    {
        get { lock (_gate) return _state; }
    }

    /// <summary>How many sends may start now, and when to look again if none may. A probe slot is taken for this instance before it is given.</summary>
    public async ValueTask<(int Slots, DateTimeOffset? WakeAt)> AllowanceAsync(DateTimeOffset now, DestinationConfig config, int maxConcurrent, CancellationToken ct)
    {
        var state = Adopt(await states.GetAsync(Name, ct), now, config);
        for (var tries = 0; tries < SwapTries; tries++)
        {
            int inFlight;
            bool configChanged;
            lock (_gate)
            {
                inFlight = InFlight;
                configChanged = _pausedWith is not null && _pausedWith != config;
            }
            if (state.HoldUntil > now) return (0, state.HoldUntil);
            if (state.Mode == DestinationMode.Healthy) return (Math.Max(0, maxConcurrent - inFlight), null);
            // Another instance's probe: looked at again soon, so its answer is seen before its lease ends.
            if (state.ProbedByOther(instance, now)) return (0, state.ProbeAt < now + OtherProbeLook ? state.ProbeAt : now + OtherProbeLook);
            if (inFlight > 0) return (0, null);
            if (now < state.ProbeAt && !(configChanged && state.ProbeOwner is null)) return (0, state.ProbeAt);
            var (swapped, current) = await states.TrySwapAsync(Name, state, state with { ProbeOwner = instance, ProbeAt = now + ProbeLease(config) }, ct);
            state = Adopt(current, now, config);
            if (swapped) return (1, null);
        }
        return (0, null);
    }

    public void Started()
    {
        lock (_gate) InFlight++;
    }

    /// <summary>The send reached ntfy and ntfy answered about the message (stored, or rejected the message itself).</summary>
    /// <returns>Whether this ended a trip or pause (worth a log line).</returns>
    public async ValueTask<bool> SucceededAsync(DateTimeOffset now, CancellationToken ct)
    {
        lock (_gate)
        {
            InFlight--;
            _failures = 0;
            _probes = 0;
            _pausedWith = null;
            Since = null;
        }
        // An answer proves the destination works, whoever probed: healthy for every instance (no write when it was already).
        return await ChangeAsync(now, null, s => s with { Mode = DestinationMode.Healthy, Reason = null, ProbeOwner = null, ProbeAt = DateTimeOffset.MinValue },
            (before, _) => before.Mode != DestinationMode.Healthy, ct);
    }

    /// <summary>A transient failure (connection, timeout, 408, 5xx).</summary>
    /// <param name="probe">The send was the probe of a tripped or paused destination, not one started before it was.</param>
    /// <returns>Whether this failure tripped the destination.</returns>
    public async ValueTask<bool> FailedAsync(DateTimeOffset now, RetryConfig retry, string reason, TimeSpan hold, bool probe, CancellationToken ct)
    {
        int failures;
        lock (_gate)
        {
            InFlight--;
            failures = ++_failures;
        }
        var state = State;
        if (state.Mode == DestinationMode.Healthy && failures < TripAfter && hold <= TimeSpan.Zero) return false;
        // Counted once, however many times another instance's change makes this one be decided again.
        DateTimeOffset? nextProbe = null;
        return await ChangeAsync(now, null, s =>
        {
            var next = Held(s, now, hold, RetryAfterReason);
            if (s.Mode == DestinationMode.Healthy)
            {
                if (failures < TripAfter) return next;
                nextProbe ??= now + ProbeWait(retry, MinProbeInterval(retry));
                return next with { Mode = DestinationMode.Tripped, Reason = reason, ProbeOwner = null, ProbeAt = nextProbe.Value };
            }
            // A send under way when the destination tripped or paused says nothing about its probe: it neither moves the
            // probe (a pause's would come sooner than ntfy's login refill allows) nor replaces why it was paused.
            if (!probe || s.ProbedByOther(instance, now)) return next;
            nextProbe ??= now + ProbeWait(retry, MinProbeInterval(retry));
            return next with { Reason = reason, ProbeOwner = null, ProbeAt = nextProbe.Value };
        }, (before, after) => before.Mode == DestinationMode.Healthy && after.Mode == DestinationMode.Tripped, ct);
    }

    /// <summary>ntfy refused the credentials.</summary>
    /// <returns>Whether this paused the destination (it was not paused already).</returns>
    public async ValueTask<bool> RefusedAsync(DateTimeOffset now, DestinationConfig config, string reason, TimeSpan hold, CancellationToken ct)
    {
        lock (_gate)
        {
            InFlight--;
            if (_state.Mode != DestinationMode.Paused) _probes = 0;
            _pausedWith = config;
        }
        DateTimeOffset? nextProbe = null;
        return await ChangeAsync(now, config, s =>
        {
            var next = Held(s, now, hold, RetryAfterReason) with { Mode = DestinationMode.Paused, Reason = reason };
            // Another instance's probe keeps its slot; the refusal only confirms the pause.
            if (s.ProbedByOther(instance, now)) return next;
            nextProbe ??= now + ProbeWait(config.Retry, MinAuthProbeInterval);
            return next with { ProbeOwner = null, ProbeAt = nextProbe.Value };
        }, (before, _) => before.Mode != DestinationMode.Paused, ct);
    }

    /// <summary>
    /// ntfy answered "too many requests" (42901, or a 429 without ntfy's code): the bucket is emptied and slowed (an unpaced
    /// destination is held a little instead). Neither a failure towards a trip nor a probe's answer.
    /// </summary>
    /// <param name="sent">When the refused send started (see <see cref="DestinationPace.SlowDownAsync"/>).</param>
    /// <returns>Whether this slowed the pace further (worth a log line).</returns>
    public async ValueTask<bool> SlowedDownAsync(DateTimeOffset now, PaceConfig? rate, string reason, TimeSpan retryAfter, DateTimeOffset sent, CancellationToken ct)
    {
        lock (_gate) InFlight--;
        var (slower, unpacedHold) = await Pace.SlowDownAsync(now, rate, sent, ct);
        var hold = retryAfter > unpacedHold ? retryAfter : unpacedHold;
        if (hold > TimeSpan.Zero) await ChangeAsync(now, null, s => Held(s, now, hold, $"ntfy asked it to slow down ({reason})"), static (_, _) => false, ct);
        return slower;
    }

    /// <summary>
    /// ntfy's daily message quota is used up (42908): nothing goes until <paramref name="until"/>, its reset, from any
    /// instance, and every instance moves the waiting messages to the fallback if there is one.
    /// </summary>
    /// <returns>Whether this began the hold (worth a log line; another instance's 42908 may have begun it).</returns>
    public async ValueTask<bool> QuotaReachedAsync(DateTimeOffset now, DateTimeOffset until, string reason, CancellationToken ct)
    {
        lock (_gate) InFlight--;
        return await ChangeAsync(now, null, s => Held(s, now, until - now, $"ntfy's daily message quota is used up ({reason})", quota: true),
            (before, _) => !before.QuotaHeld(now), ct);
    }

    /// <summary>A send ended without an answer worth judging (shutdown). A probe's slot is left to its lease.</summary>
    public void Abandoned()
    {
        lock (_gate) InFlight--;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the state in force by compare-and-set, deciding again on the winner when
    /// another change came first. Nothing is written when the change changes nothing.
    /// </summary>
    /// <returns>What <paramref name="reported"/> says of the state before and after this instance's change; false when there was none.</returns>
    private async ValueTask<bool> ChangeAsync(DateTimeOffset now, DestinationConfig? config, Func<DestinationState, DestinationState> change,
        Func<DestinationState, DestinationState, bool> reported, CancellationToken ct)
    {
        var state = State;
        for (var tries = 0; tries < SwapTries; tries++)
        {
            var next = change(state);
            if (next == state) return false;
            var (swapped, current) = await states.TrySwapAsync(Name, state, next, ct);
            Adopt(current, now, config);
            if (swapped) return reported(state, current);
            state = current;
        }
        return false;
    }

    /// <summary>Takes <paramref name="state"/> as the one in force unless a newer one is known, and notes when this instance first saw trouble.</summary>
    private DestinationState Adopt(DestinationState state, DateTimeOffset now, DestinationConfig? config)
    {
        lock (_gate)
        {
            if (state.Version < _state.Version) return _state;
            _state = state;
            if (state.Mode == DestinationMode.Healthy)
            {
                Since = null;
                _pausedWith = null;
            }
            else
            {
                Since ??= now;
                // Paused by another instance: the config it is paused with is the one in force here now.
                if (state.Mode == DestinationMode.Paused && config is not null) _pausedWith ??= config;
            }
            return state;
        }
    }

    private const string RetryAfterReason = "the server asked to wait (Retry-After)";

    /// <summary>Held until <paramref name="hold"/> from now, for <paramref name="reason"/>, unless a hold that ends later is in force.</summary>
    private static DestinationState Held(DestinationState state, DateTimeOffset now, TimeSpan hold, string reason, bool quota = false) =>
        hold > TimeSpan.Zero && now + hold > state.HoldUntil ? state with { HoldUntil = now + hold, HoldReason = reason, QuotaHold = quota } : state;

    /// <summary>How long a probe keeps its slot: its attempt, a reset retry, and room for the answer's commit.</summary>
    private static TimeSpan ProbeLease(DestinationConfig config) => config.Timeout * 3;

    /// <summary>Probes follow the destination's own schedule, from its second wait on, within [min, <see cref="MaxProbeInterval"/>].</summary>
    private TimeSpan ProbeWait(RetryConfig retry, TimeSpan min)
    {
        int probes;
        lock (_gate) probes = _probes++;
        var index = Math.Min(1 + probes, retry.Schedule.Count - 1);
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
