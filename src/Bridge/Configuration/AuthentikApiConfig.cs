namespace Bridge.Configuration;

/// <summary>
/// <c>sources.&lt;name&gt;.authentik_api</c>: where the bridge asks Authentik for the groups of an event's user when the
/// body carries none (Authentik's default body never does).
/// </summary>
/// <param name="Url">Authentik's root URL (the <c>/api/v3/...</c> paths are added to it).</param>
/// <param name="Token">An API token, sent as <c>Authorization: Bearer</c>; it needs only to view users and groups.</param>
/// <param name="Cache">How long an answer is reused for the same user. Default <see cref="DefaultCache"/>; 0 asks every time.</param>
/// <param name="Timeout">One request, headers and body. Default <see cref="DefaultTimeout"/>.</param>
public sealed record AuthentikApiConfig(Uri Url, string Token, TimeSpan Cache, TimeSpan Timeout)
{
    /// <summary>Short enough that a user added to or removed from a group is seen within minutes, long enough that a burst of events asks once.</summary>
    public static readonly TimeSpan DefaultCache = TimeSpan.FromMinutes(5);

    /// <summary>Well under Authentik's own 30 s webhook timeout; a lookup never holds an ingest request anyway.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
}
