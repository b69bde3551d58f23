namespace Bridge.Delivery;

/// <summary>
/// The HTTP handler of every client the bridge owns (ntfy, Authentik's API): the settings that keep a token where it
/// was sent and an answer within what <see cref="BoundedBody"/> reads.
/// </summary>
public static class BoundedHttpHandler
{
    public static SocketsHttpHandler Create(TimeSpan connectTimeout) => new()
    {
        // A redirect could carry the Authorization header to another host; neither ntfy nor Authentik's API redirects these calls.
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        // An answer left unread past BoundedBody's bound closes its connection instead of being drained for reuse.
        MaxResponseDrainSize = 0,
        ConnectTimeout = connectTimeout,
    };
}
