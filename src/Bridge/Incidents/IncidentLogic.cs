using System.Security.Cryptography;
using System.Text;
using Bridge.Configuration;
using Bridge.Events;

namespace Bridge.Incidents;

/// <summary>
/// How an incident changes, as pure functions over <see cref="IncidentState"/>: an event joins (<see cref="Fold"/>), the
/// clock makes a card due (<see cref="Due"/>, <see cref="NextDue"/>), a made card is recorded (<see cref="Made"/>). Both
/// stores run them inside the transaction that locks the group's row, so every instance on one database folds into the
/// same incident and one piece of logic decides for all.
/// </summary>
public static class IncidentLogic
{
    /// <summary>Distinct values kept per field of an incident; more are counted in <see cref="IncidentState.Count"/> only.</summary>
    public const int MaxValues = 50;

    /// <summary>Sample events kept per incident: the first and the latest ones.</summary>
    public const int MaxSamples = 5;

    /// <summary>Fields whose distinct values every incident tracks besides its <c>by</c> fields ("from 3 addresses").</summary>
    private static readonly string[] Tracked = ["client_ip", "user.username", "context.username", "action"];

    /// <summary>
    /// Counts <paramref name="join"/>'s event into <paramref name="open"/>, the group's open incident (null: none), or
    /// opens a new one when there is none or <paramref name="open"/> has been quiet for its window (its closing card is
    /// then still owed: <see cref="Folded.Superseded"/>). No card is made here: the next one's time is <see cref="NextDue"/>.
    /// </summary>
    public static Folded Fold(IncidentState? open, IncidentJoin join)
    {
        ArgumentNullException.ThrowIfNull(join);
        var config = join.Config;
        var superseded = open is not null && join.At >= open.LastAt + config.Window;
        if (open is null || superseded)
        {
            var first = new IncidentState(IncidentId(join.Slot, join.DedupeKey), join.Rule, join.Key, join.At, join.At, 0, 0, null, false, [], [], join.Seq, 0);
            return new Folded(Join(first, join), superseded);
        }
        // Before the first card there is nothing to update: the opening card, when made, tells the count.
        return new Folded(Join(open, join) with { UpdatePending = open.LastCardAt is not null }, false);
    }

    /// <summary>When the next card of <paramref name="s"/> falls due under <paramref name="config"/>.</summary>
    public static DateTimeOffset NextDue(IncidentState s, GroupConfig config)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(config);
        return s.LastCardAt is not { } last ? s.OpenedAt + config.Wait
            : s.UpdatePending && last + config.Interval < s.LastAt + config.Window ? last + config.Interval
            : s.LastAt + config.Window;
    }

    /// <summary>
    /// The card of <paramref name="s"/> due by <paramref name="now"/> (null: none yet), with the incident as that card
    /// tells it. A group of one event closes <see cref="DueCard.Silent"/>ly: its first card already said all there is.
    /// </summary>
    /// <param name="superseded">A later event opened a new incident of the group: this one closes, whatever the clock says.</param>
    public static DueCard? Due(IncidentState s, GroupConfig config, DateTimeOffset now, bool superseded)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(config);
        CardPhase phase;
        if (s.LastCardAt is null && !superseded)
        {
            if (now < s.OpenedAt + config.Wait) return null;
            phase = CardPhase.Open;
        }
        else if (superseded || now >= s.LastAt + config.Window) phase = CardPhase.Close;
        else if (s.UpdatePending && now >= s.LastCardAt + config.Interval) phase = CardPhase.Update;
        else return null;
        if (phase == CardPhase.Close && s.Count < 2) return new DueCard(new GroupView(phase, s, config)) { Silent = true };
        var told = s with { Cards = s.Cards + 1, LastCardAt = now, UpdatePending = false };
        return new DueCard(new GroupView(phase, told, config));
    }

    /// <summary>
    /// The incident after <paramref name="card"/> was made from <paramref name="madeFrom"/>, given its state now,
    /// <paramref name="current"/> (events may have joined while the mapping ran: then an update stays owed); null when the
    /// card closed it.
    /// </summary>
    public static IncidentState? Made(IncidentState current, IncidentState madeFrom, DueCard card, Storage.MessageLane lane)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(madeFrom);
        ArgumentNullException.ThrowIfNull(card);
        var joined = current.Version > madeFrom.Version;
        if (card.View.Phase == CardPhase.Close && !joined) return null;
        var told = card.View.State;
        return current with
        {
            Cards = card.Silent ? current.Cards : told.Cards,
            LastCardAt = card.Silent ? current.LastCardAt : told.LastCardAt,
            UpdatePending = joined && (told.LastCardAt is not null || card.Silent),
            Lane = lane > current.Lane ? lane : current.Lane,
        };
    }

    /// <summary>
    /// The view of a group that <paramref name="e"/> alone opened: what <c>bridge try</c>, <c>bridge test</c> and the
    /// playground show a grouped rule's mapping, since they see one event at a time.
    /// </summary>
    public static GroupView OneEvent(string rule, GroupConfig config, BridgeEvent e, string dedupeKey, DateTimeOffset now)
    {
        var opened = Fold(null, new IncidentJoin(rule, config, e, 0, dedupeKey, now)).State with { Cards = 1, LastCardAt = now };
        return new GroupView(CardPhase.Open, opened, config);
    }

    /// <summary>What the mapping log of an event says that joined its incident (no card of its own).</summary>
    public static string HeldLine(IncidentState s, GroupConfig config)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(config);
        // Whether the first card is out yet depends on another transaction (the worker's), so the line does not say.
        return s.Count == 1 ? $"opened incident {s.Id}: its first card is made {(config.Wait == TimeSpan.Zero ? "at once" : "after group.wait")}"
            : s.LastCardAt is null && config.Wait > TimeSpan.Zero ? $"held in incident {s.Id} (event {s.Count} of the group): its first card waits for group.wait"
            : $"held in incident {s.Id} (event {s.Count} of the group): its card is updated at most every {config.Interval.TotalSeconds:0.###} s";
    }

    /// <summary>The values of the rule's <c>group.by</c> fields in <paramref name="e"/>, in their order.</summary>
    internal static string?[] KeyOf(GroupConfig config, BridgeEvent e)
    {
        var key = new string?[config.By.Count];
        for (var i = 0; i < key.Length; i++) key[i] = GroupKeys.Value(e, config.By[i]);
        return key;
    }

    /// <summary>One text for a rule and group key: how the store finds the group's open incident.</summary>
    internal static string Slot(string rule, IReadOnlyList<string?> key) => rule + "\u001f" + string.Join("\u001f", key.Select(static k => k ?? "\u0000"));

    private static IncidentState Join(IncidentState s, IncidentJoin join) => s with
    {
        LastAt = join.At > s.LastAt ? join.At : s.LastAt,
        Count = s.Count + 1,
        Values = WithValues(s.Values, join.Config, join.Event),
        Samples = WithSample(s.Samples, join.Event, join.At),
        LastEventSeq = join.Seq > s.LastEventSeq ? join.Seq : s.LastEventSeq,
        Version = s.Version + 1,
    };

    private static IncidentValues[] WithValues(IReadOnlyList<IncidentValues> values, GroupConfig config, BridgeEvent e)
    {
        var fields = new List<string>(config.By.Count + Tracked.Length);
        fields.AddRange(config.By);
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

    private static IncidentSample[] WithSample(IReadOnlyList<IncidentSample> samples, BridgeEvent e, DateTimeOffset now)
    {
        var sample = new IncidentSample(e.Id, e.Action, e.User?.Username, e.ClientIp, e.Summary, now);
        if (samples.Count < MaxSamples) return [.. samples, sample];
        // The first stays (how it began); the oldest of the latest ones makes room.
        return [samples[0], .. samples.Skip(2), sample];
    }

    private static string IncidentId(string slot, string dedupeKey) =>
        "bi" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(slot + "\u001e" + dedupeKey)))[..30];
}

/// <summary>One event of a grouped rule to count into its group's incident, in the transaction that commits the rule's run.</summary>
/// <param name="Seq">The event's sequence number in the store: later cards are made from the latest one and kept with it.</param>
/// <param name="DedupeKey">The event's de-duplication key: with the rule and the group it makes the incident's id, the same after a crash.</param>
/// <param name="At">When it was mapped.</param>
public sealed record IncidentJoin(string Rule, GroupConfig Config, BridgeEvent Event, long Seq, string DedupeKey, DateTimeOffset At)
{
    /// <summary>The values of the rule's <c>group.by</c> fields in the event.</summary>
    public IReadOnlyList<string?> Key { get; } = IncidentLogic.KeyOf(Config, Event);

    /// <summary>The group's one text (rule and key): the store's key of its open incident.</summary>
    public string Slot => IncidentLogic.Slot(Rule, Key);
}

/// <summary>What folding one event made: the incident after it, and whether it opened a new incident in place of one past its window.</summary>
public sealed record Folded(IncidentState State, bool Superseded);

/// <summary>A card the clock made due, with the incident as the card tells it.</summary>
public sealed record DueCard(GroupView View)
{
    /// <summary>A group of one event closed: nothing to send, only its state to delete.</summary>
    public bool Silent { get; init; }
}
