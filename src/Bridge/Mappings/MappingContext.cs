namespace Bridge.Mappings;

/// <summary>What a mapping receives as <c>ctx</c>.</summary>
/// <param name="BaseUrl">The source's configured Authentik URL, for links into the admin UI; null when not set.</param>
public sealed record MappingContext(string Rule, string? Topic, string Destination, string Source, string? BaseUrl)
{
    /// <summary>
    /// The time the mapping sees as <c>ctx.now</c>, <c>Date.now()</c> and <c>new Date()</c>; null means the runner's clock.
    /// Fixed for the whole run so relative times ("5 minutes ago") are deterministic in tests.
    /// </summary>
    public DateTimeOffset? Now { get; init; }
}
