using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Bridge.Dashboard;

/// <summary>
/// Signed-in dashboard browsers: a random id per login, held in memory for <see cref="Lifetime"/>. Each session
/// remembers a hash of the admin token it was opened with, so changing <c>server.admin_token</c> (a reload) ends every
/// session at once; a restart ends them too (signing in again is one field).
/// </summary>
public sealed class DashboardSessions(TimeProvider time)
{
    public const string CookieName = "bridge_session";

    /// <summary>How long a session lasts after its login, used or not.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    /// <summary>Opens a session when <paramref name="presented"/> is the admin token (compared in constant time); null otherwise.</summary>
    public string? Open(string token, string presented)
    {
        if (!CryptographicOperations.FixedTimeEquals(Hash(presented), Hash(token))) return null;
        var now = time.GetUtcNow();
        // Expired sessions go when someone signs in: no timer, and the table stays as small as the logins of a day.
        foreach (var (key, old) in _sessions) if (old.Expires <= now) _sessions.TryRemove(key, out _);
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        _sessions[id] = new Session(Hash(token), now + Lifetime);
        return id;
    }

    /// <summary>Whether <paramref name="id"/> is a live session opened with <paramref name="token"/>.</summary>
    public bool IsValid(string? id, string token) =>
        id is not null && _sessions.TryGetValue(id, out var s) && s.Expires > time.GetUtcNow() && CryptographicOperations.FixedTimeEquals(s.TokenHash, Hash(token));

    public void Close(string? id)
    {
        if (id is not null) _sessions.TryRemove(id, out _);
    }

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    private sealed record Session(byte[] TokenHash, DateTimeOffset Expires);
}
