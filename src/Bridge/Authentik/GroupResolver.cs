using System.Collections.Concurrent;
using Bridge.Configuration;
using Bridge.Events;

namespace Bridge.Authentik;

/// <summary>
/// Finds the groups of an event's user when its body carries none and its source has <c>authentik_api</c>: from the
/// cache at ingest (never waiting on the network there), or from the API for the events that wait
/// (<see cref="GroupWaitWorker"/>). Keeps each source's API health, and logs each change of it once, so a refused token
/// is reported at once and clearly rather than once per event.
/// </summary>
public sealed class GroupResolver(GroupCache cache, TimeProvider time, ILogger<GroupResolver> log) : IDisposable
{
    private readonly ConcurrentDictionary<string, AuthentikUsersClient> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ApiHealth> _health = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (GroupLookup.Refused Answer, DateTimeOffset At)> _refused = new(StringComparer.Ordinal);

    /// <summary>
    /// After a refusal, the source's API is not asked again for this long, whatever the number of events: a token does not
    /// fix itself. A changed <c>authentik_api</c> (a reload) asks again at once.
    /// </summary>
    public static readonly TimeSpan RefusedQuiet = TimeSpan.FromMinutes(5);

    /// <summary>Sources whose API was asked, and how it did; a source never asked is not listed.</summary>
    public IReadOnlyList<ApiHealth> Health => [.. _health.Values.OrderBy(h => h.Source, StringComparer.Ordinal)];

    /// <summary>Whether <paramref name="e"/> needs a look-up at all: a user named by pk or username, no groups in the body, and an API to ask.</summary>
    public static bool Needs(SourceConfig source, BridgeEvent e)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(e);
        return source.AuthentikApi is not null && e.User is { HasGroups: false } user && (user.Pk is not null || user.Username is not null);
    }

    /// <summary>At ingest: NotNeeded, Known from the cache, or Waiting (the event is committed to wait for the API).</summary>
    public GroupLookup FromCache(SourceConfig source, BridgeEvent e)
    {
        if (!Needs(source, e)) return GroupLookup.NotNeeded.Instance;
        return cache.Find(source.Name, GroupCache.KeyOf(e.User!)) is { } known
            ? known
            : new GroupLookup.Waiting("the user's groups are being looked up in Authentik's API");
    }

    /// <summary>For a waiting event: the cache, else the API (remembering a usable answer).</summary>
    public async Task<GroupLookup> LookupAsync(SourceConfig source, BridgeEvent e, CancellationToken ct)
    {
        if (!Needs(source, e)) return GroupLookup.NotNeeded.Instance;
        var key = GroupCache.KeyOf(e.User!);
        if (cache.Find(source.Name, key) is { } known) return known;
        var api = source.AuthentikApi!;
        var client = _clients.AddOrUpdate(source.Name, _ => new AuthentikUsersClient(api, time), (_, old) =>
        {
            if (old.Api == api) return old;
            old.Dispose();
            _refused.TryRemove(source.Name, out (GroupLookup.Refused, DateTimeOffset) _);
            return new AuthentikUsersClient(api, time);
        });
        if (_refused.TryGetValue(source.Name, out var refused) && time.GetUtcNow() < refused.At + RefusedQuiet) return refused.Answer;
        var answer = await client.GroupsAsync(e.User!, ct);
        if (answer is GroupLookup.Refused no) _refused[source.Name] = (no, time.GetUtcNow());
        else _refused.TryRemove(source.Name, out (GroupLookup.Refused, DateTimeOffset) _);
        if (answer is GroupLookup.Known found) cache.Remember(source.Name, key, found, api.Cache);
        Record(source.Name, answer);
        return answer;
    }

    private void Record(string source, GroupLookup answer)
    {
        var (state, reason) = answer switch
        {
            GroupLookup.Refused r => (ApiState.Refused, r.Reason),
            GroupLookup.Waiting w => (ApiState.Unreachable, w.Reason),
            _ => (ApiState.Answering, (string?)null),
        };
        var before = _health.GetValueOrDefault(source);
        if (before is not null && before.State == state && before.Reason == reason) return;
        _health[source] = new ApiHealth(source, state, reason, time.GetUtcNow());
        switch (state)
        {
            case ApiState.Refused:
                log.LogError("Group lookup for source {Source} is refused: {Reason}. Events that need groups wait until it is fixed (a config reload retries them at once)", source, reason);
                break;
            case ApiState.Unreachable:
                log.LogWarning("Group lookup for source {Source} failed: {Reason}. Events that need groups wait and are retried", source, reason);
                break;
            default:
                if (before is not null) log.LogInformation("Group lookup for source {Source}: Authentik's API answers again", source);
                break;
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
    }
}
