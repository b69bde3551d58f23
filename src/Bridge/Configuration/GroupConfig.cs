namespace Bridge.Configuration;

/// <summary>
/// A rule's <c>group</c>: its events become one incident card per group (the values of <see cref="By"/>), sent when the
/// first one arrives and then updated in place through ntfy's <c>sequence_id</c>, instead of one push per event.
/// </summary>
/// <param name="By">The event fields whose values make a group (<c>user.username</c>, <c>client_ip</c>, <c>context.username</c>…).</param>
/// <param name="Window">A group closes, with a last card, once no event joined it for this long. Default 5 min.</param>
/// <param name="Interval">The card is updated at most this often while events keep joining. Default 30 s.</param>
/// <param name="Wait">How long after its first event the first card waits, so it starts with more than one. Default 0 (at once).</param>
public sealed record GroupConfig(IReadOnlyList<string> By, TimeSpan Window, TimeSpan Interval, TimeSpan Wait)
{
    public IReadOnlyList<string> By { get; init => field = ValueList.Of(value); } = ValueList.Of(By);

    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    /// <summary>The YAML keys of <c>group</c>, in the order they are documented.</summary>
    public static readonly IReadOnlyList<string> Keys = ["by", "window", "interval", "wait"];
}
