using System.Security.Cryptography;
using System.Text;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Pipeline;

namespace Bridge.Incidents;

/// <summary>
/// The open incidents of every grouped rule: folds each event into its group and says whether a card is due at once;
/// the <see cref="IncidentWorker"/> takes the cards that fall due on the clock (a first card after <c>wait</c>, an update
/// after <c>interval</c>, the closing card after <c>window</c>). Thread-safe: mappings of one rule run in parallel.
/// </summary>
public sealed class IncidentBook
{
    /// <summary>Distinct values kept per field of an incident; more are counted in <see cref="IncidentState.Count"/> only.</summary>
    public const int MaxValues = 50;

    /// <summary>Sample events kept per incident: the first and the latest ones.</summary>
    public const int MaxSamples = 5;

    /// <summary>Fields whose distinct values every incident tracks besides its <c>by</c> fields ("from 3 addresses").</summary>
    private static readonly string[] Tracked = ["client_ip", "user.username", "context.username", "action"];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);

    // Incidents an event found past their window before the worker closed them: their closing card is still owed.
    private readonly List<Entry> _closing = [];

    /// <summary>Set when a fold makes a new deadline, so the worker looks at its timer again.</summary>
    public Signal Changed { get; } = new();

    /// <summary>Open incidents, over all rules.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _open.Count;
        }
    }

    /// <summary>Counts <paramref name="e"/> into its group of <paramref name="rule"/>, opening the group when none is open.</summary>
    /// <param name="seq">The event's sequence number in the store.</param>
    /// <param name="dedupeKey">The event's de-duplication key: with the rule and the group it makes the incident's id, the same after a crash.</param>
    public IncidentFold Fold(string rule, GroupConfig config, BridgeEvent e, long seq, string dedupeKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(e);
        var key = KeyOf(config, e);
        var slot = Slot(rule, key);
        lock (_gate)
        {
            if (_open.TryGetValue(slot, out var entry) && now >= entry.State.LastAt + entry.Config.Window)
            {
                _open.Remove(slot);
                _closing.Add(entry);
                entry = null;
            }
            if (entry is null)
            {
                var opening = Opening(rule, config, key, e, seq, dedupeKey, now);
                _open[slot] = new Entry(opening, config, e);
                Changed.Set();
                return new IncidentFold(config.Wait == TimeSpan.Zero ? CardPhase.Open : null, new GroupView(CardPhase.Open, opening, config));
            }
            var s = entry.State;
            var send = s.LastCardAt is { } last && now >= last + config.Interval;
            var next = Join(s, config, e, seq, now) with
            {
                Cards = send ? s.Cards + 1 : s.Cards,
                LastCardAt = send ? now : s.LastCardAt,
                // Before the first card there is nothing to update: the opening card, when due, tells the count.
                UpdatePending = !send && s.LastCardAt is not null,
            };
            if (next.UpdatePending && !s.UpdatePending) Changed.Set();
            entry.State = next;
            entry.Config = config;
            entry.LastEvent = e;
            return new IncidentFold(send ? CardPhase.Update : null, new GroupView(CardPhase.Update, next, config));
        }
    }

    /// <summary>The cards due by <paramref name="now"/>, each recorded as made: a closed incident leaves the book.</summary>
    public IReadOnlyList<DueCard> TakeDue(DateTimeOffset now)
    {
        var due = new List<DueCard>();
        lock (_gate)
        {
            foreach (var entry in _closing) AddClosing(entry, now, due);
            _closing.Clear();
            List<string>? closed = null;
            foreach (var (slot, entry) in _open)
            {
                var s = entry.State;
                if (s.LastCardAt is null)
                {
                    if (now < s.OpenedAt + entry.Config.Wait) continue;
                    entry.State = s with { Cards = 1, LastCardAt = now, UpdatePending = false, Version = s.Version + 1 };
                    due.Add(new DueCard(new GroupView(CardPhase.Open, entry.State, entry.Config), entry.LastEvent));
                }
                else if (now >= s.LastAt + entry.Config.Window)
                {
                    (closed ??= []).Add(slot);
                    AddClosing(entry, now, due);
                }
                else if (s.UpdatePending && now >= s.LastCardAt + entry.Config.Interval)
                {
                    entry.State = s with { Cards = s.Cards + 1, LastCardAt = now, UpdatePending = false, Version = s.Version + 1 };
                    due.Add(new DueCard(new GroupView(CardPhase.Update, entry.State, entry.Config), entry.LastEvent));
                }
            }
            foreach (var slot in closed ?? []) _open.Remove(slot);
        }
        return due;
    }

    /// <summary>Takes back an incident the store kept (at start-up, before any event is folded), under the rule's current <c>group</c>.</summary>
    public void Restore(IncidentState state, GroupConfig config, BridgeEvent lastEvent)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_gate) _open[Slot(state.Rule, [.. state.Key])] = new Entry(state, config, lastEvent);
        Changed.Set();
    }

    /// <summary>When the next card falls due; null when no incident is open.</summary>
    public DateTimeOffset? NextDue()
    {
        lock (_gate)
        {
            if (_closing.Count > 0) return DateTimeOffset.MinValue;
            DateTimeOffset? next = null;
            foreach (var entry in _open.Values)
            {
                var s = entry.State;
                var at = s.LastCardAt is not { } last ? s.OpenedAt + entry.Config.Wait
                    : s.UpdatePending && last + entry.Config.Interval < s.LastAt + entry.Config.Window ? last + entry.Config.Interval
                    : s.LastAt + entry.Config.Window;
                if (next is null || at < next) next = at;
            }
            return next;
        }
    }

    /// <summary>
    /// The view of a group that <paramref name="e"/> alone opened: what <c>bridge try</c>, <c>bridge test</c> and the
    /// playground show a grouped rule's mapping, since they see one event at a time.
    /// </summary>
    public static GroupView OneEvent(string rule, GroupConfig config, BridgeEvent e, string dedupeKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(e);
        var opening = Opening(rule, config, KeyOf(config, e), e, 0, dedupeKey, now) with { Cards = 1, LastCardAt = now };
        return new GroupView(CardPhase.Open, opening, config);
    }

    private static void AddClosing(Entry entry, DateTimeOffset now, List<DueCard> due)
    {
        // A group of one event needs no closing card: its first card already says all there is. Its state still goes.
        if (entry.State.Count < 2)
        {
            due.Add(new DueCard(new GroupView(CardPhase.Close, entry.State, entry.Config), entry.LastEvent) { Silent = true });
            return;
        }
        var s = entry.State with { Cards = entry.State.Cards + 1, LastCardAt = now, UpdatePending = false, Version = entry.State.Version + 1 };
        due.Add(new DueCard(new GroupView(CardPhase.Close, s, entry.Config), entry.LastEvent));
    }

    private static IncidentState Opening(string rule, GroupConfig config, string?[] key, BridgeEvent e, long seq, string dedupeKey, DateTimeOffset now)
    {
        var first = new IncidentState(IncidentId(rule, key, dedupeKey), rule, key, now, now, 0, config.Wait == TimeSpan.Zero ? 1 : 0,
            config.Wait == TimeSpan.Zero ? now : null, false, [], [], seq, 0);
        return Join(first, config, e, seq, now);
    }

    private static IncidentState Join(IncidentState s, GroupConfig config, BridgeEvent e, long seq, DateTimeOffset now) => s with
    {
        LastAt = now > s.LastAt ? now : s.LastAt,
        Count = s.Count + 1,
        Values = WithValues(s.Values, config.By, e),
        Samples = WithSample(s.Samples, e, now),
        LastEventSeq = seq,
        Version = s.Version + 1,
    };

    /// <summary>The distinct values seen of the <paramref name="by"/> fields and the tracked ones, with <paramref name="e"/>'s (a throttle's digest keeps them too).</summary>
    internal static IncidentValues[] WithValues(IReadOnlyList<IncidentValues> values, IReadOnlyList<string> by, BridgeEvent e)
    {
        var fields = new List<string>(by.Count + Tracked.Length);
        fields.AddRange(by);
        foreach (var f in Tracked) if (!fields.Contains(f)) fields.Add(f);
        var result = new List<IncidentValues>(fields.Count);
        foreach (var field in fields)
        {
            var seen = Find(values, field);
            var value = GroupKeys.Value(e, field);
            if (value is not null && seen.Count < MaxValues && !seen.Contains(value)) seen = [.. seen, value];
            if (seen.Count > 0) result.Add(new IncidentValues(field, seen));
        }
        return [.. result];
    }

    private static IReadOnlyList<string> Find(IReadOnlyList<IncidentValues> values, string field)
    {
        foreach (var v in values) if (v.Field == field) return v.Seen;
        return [];
    }

    /// <summary>The samples with <paramref name="e"/> as the latest (a throttle's digest keeps them too).</summary>
    internal static IncidentSample[] WithSample(IReadOnlyList<IncidentSample> samples, BridgeEvent e, DateTimeOffset now)
    {
        var sample = new IncidentSample(e.Id, e.Action, e.User?.Username, e.ClientIp, e.Summary, now);
        if (samples.Count < MaxSamples) return [.. samples, sample];
        // The first stays (how it began); the oldest of the latest ones makes room.
        return [samples[0], .. samples.Skip(2), sample];
    }

    private static string?[] KeyOf(GroupConfig config, BridgeEvent e)
    {
        var key = new string?[config.By.Count];
        for (var i = 0; i < key.Length; i++) key[i] = GroupKeys.Value(e, config.By[i]);
        return key;
    }

    private static string Slot(string rule, string?[] key) => rule + "\u001f" + string.Join("\u001f", key.Select(static k => k ?? "\u0000"));

    private static string IncidentId(string rule, string?[] key, string dedupeKey) =>
        "bi" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Slot(rule, key) + "\u001e" + dedupeKey)))[..30];

    private sealed class Entry(IncidentState state, GroupConfig config, BridgeEvent lastEvent)
    {
        public IncidentState State { get; set; } = state;

        public GroupConfig Config { get; set; } = config;

        public BridgeEvent LastEvent { get; set; } = lastEvent;
    }
}

/// <summary>What folding one event did: <see cref="Send"/> says which card to make now (null: none yet).</summary>
public sealed record IncidentFold(CardPhase? Send, GroupView View);

/// <summary>A card the clock made due, with the latest event of its incident for the mapping to read.</summary>
public sealed record DueCard(GroupView View, BridgeEvent LastEvent)
{
    /// <summary>A group of one event closed: nothing to send, only its state to delete.</summary>
    public bool Silent { get; init; }
}
