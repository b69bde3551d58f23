using System.Globalization;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Rules;

namespace Bridge.Silences;

/// <summary>
/// The silences in force, as the ingest path consults them for every event: a silenced rule's verdict becomes "not
/// matched", with the silence named, so the event is stored and visible but the rule sends nothing. A silence stops
/// holding at its end time on the injected clock: nothing has to run for it to expire. Thread-safe; reads take a snapshot.
/// </summary>
public sealed class SilenceBook
{
    private volatile Entry[] _entries = [];
    private readonly Lock _gate = new();

    /// <summary>The silences in force at <paramref name="now"/>, the one ending first first.</summary>
    public IReadOnlyList<Silence> Active(DateTimeOffset now) =>
        [.. _entries.Select(static e => e.Silence).Where(s => s.IsActive(now)).OrderBy(static s => s.EndsAt)];

    /// <summary>The matchers of a silence's keys, or the problems with them (a bad CIDR…), each with its key.</summary>
    public static CompiledRule? Compile(SilenceMatch match, ICollection<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(match);
        var spec = new MatchSpec(
            Source: One(match.Source), Action: One(match.Action), Group: One(match.Group), User: One(match.User), ClientIp: One(match.ClientIp));
        var found = new List<ConfigError>();
        var set = RuleSet.Compile([new RuleConfig("silence", spec, null, null, "", null, false, "silence")], found);
        // The rule compiler names the keys as a rule's (silence.match.client_ip); the API's body names them match.client_ip.
        foreach (var e in found) errors.Add(e with { Path = e.Path["silence.".Length..] });
        return set.Rules.Count == 1 ? set.Rules[0] : null;
    }

    /// <summary>Puts silences in force (at start-up from the store; then each one made); those over by <paramref name="now"/> leave.</summary>
    public void Add(IEnumerable<Silence> silences, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(silences);
        lock (_gate)
        {
            var next = new List<Entry>(_entries.Where(e => e.Silence.IsActive(now)));
            foreach (var silence in silences)
            {
                // Stored silences were valid when made; one the rule compiler now refuses holds nothing.
                if (Compile(silence.Match, new List<ConfigError>()) is { } keys) next.Add(new Entry(silence, keys));
            }
            _entries = [.. next];
        }
    }

    /// <summary>
    /// Puts in force exactly <paramref name="stored"/> (read from a store other bridges write too), keeping those this
    /// bridge made since <paramref name="readAt"/>, which the read may have missed.
    /// </summary>
    /// <returns>Whether the silences in force changed.</returns>
    public bool Replace(IReadOnlyList<Silence> stored, DateTimeOffset readAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        lock (_gate)
        {
            var ids = stored.Select(static s => s.Id).ToHashSet(StringComparer.Ordinal);
            var next = new List<Entry>(_entries.Where(e => e.Silence.IsActive(now) && (ids.Contains(e.Silence.Id) || e.Silence.CreatedAt >= readAt)));
            var kept = next.Select(static e => e.Silence.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var silence in stored)
            {
                if (!kept.Contains(silence.Id) && silence.IsActive(now) && Compile(silence.Match, new List<ConfigError>()) is { } keys) next.Add(new Entry(silence, keys));
            }
            var changed = next.Count != _entries.Length || next.Any(e => !_entries.Contains(e));
            _entries = [.. next];
            return changed;
        }
    }

    /// <summary>Ends a silence in force early: it leaves the book. Null when none in force has that id.</summary>
    public Silence? End(string id, DateTimeOffset at)
    {
        lock (_gate)
        {
            var found = Array.Find(_entries, e => e.Silence.Id == id && e.Silence.IsActive(at));
            if (found is null) return null;
            _entries = [.. _entries.Where(e => e != found && e.Silence.IsActive(at))];
            return found.Silence with { EndedAt = at };
        }
    }

    /// <summary>
    /// The verdicts with each matched rule that an active silence holds turned into "not matched", naming the silence.
    /// The same list when no silence is in force, so the default path costs one read.
    /// </summary>
    public IReadOnlyList<RuleVerdict> Apply(IReadOnlyList<RuleVerdict> verdicts, BridgeEvent e, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        var entries = _entries;
        if (entries.Length == 0) return verdicts;
        RuleVerdict[]? changed = null;
        for (var i = 0; i < verdicts.Count; i++)
        {
            var v = verdicts[i];
            if (!v.Matched || Holding(entries, v.Rule, e, now) is not { } silence) continue;
            changed ??= [.. verdicts];
            changed[i] = new RuleVerdict(v.Rule, false, Reason(silence));
        }
        return changed ?? verdicts;
    }

    /// <summary><c>silenced by sil_… (action=login, user=bob) until 2026-03-14T10:00:00Z: comment</c>.</summary>
    public static string Reason(Silence s) =>
        $"silenced by {s.Id} ({s.Match}) until {s.EndsAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}: {s.Comment}";

    private static Silence? Holding(Entry[] entries, string rule, BridgeEvent e, DateTimeOffset now)
    {
        foreach (var entry in entries)
        {
            var s = entry.Silence;
            if (!s.IsActive(now) || (s.Match.Rule is { } name && name != rule)) continue;
            if (entry.Keys.Matches(e, out _)) return s;
        }
        return null;
    }

    private static IReadOnlyList<string>? One(string? value) => value is null ? null : [value];

    private sealed record Entry(Silence Silence, CompiledRule Keys);
}
