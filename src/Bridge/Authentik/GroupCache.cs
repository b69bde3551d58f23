using System.Collections.Concurrent;

namespace Bridge.Authentik;

/// <summary>
/// Answers of Authentik's API, per source and user, for the source's <c>cache</c> time on the bridge's clock. Bounded:
/// past <see cref="MaxEntries"/> the expired answers are dropped, and if none is, all are (they are asked again).
/// </summary>
public sealed class GroupCache(TimeProvider time)
{
    /// <summary>Far more users than an Authentik has admins and active logins in a few minutes; a few MB at most.</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<(string Source, string User), (GroupLookup.Known Answer, DateTimeOffset Until)> _answers = new();

    public GroupLookup.Known? Find(string source, string user) =>
        _answers.TryGetValue((source, user), out var entry) && entry.Until > time.GetUtcNow() ? entry.Answer : null;

    public void Remember(string source, string user, GroupLookup.Known answer, TimeSpan @for)
    {
        if (@for <= TimeSpan.Zero) return;
        var now = time.GetUtcNow();
        if (_answers.Count >= MaxEntries)
        {
            foreach (var (key, entry) in _answers)
            {
                if (entry.Until <= now) _answers.TryRemove(key, out _);
            }
            if (_answers.Count >= MaxEntries) _answers.Clear();
        }
        _answers[(source, user)] = (answer, now + @for);
    }

    /// <summary>The key an event's user is cached under: its pk when the event names one (as the API is asked), else its username.</summary>
    public static string KeyOf(Events.EventUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Pk is { } pk ? "pk:" + pk : "username:" + user.Username;
    }
}
