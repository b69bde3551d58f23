using Bridge.Configuration;

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

    /// <summary>
    /// The <c>ctx</c> of <paramref name="rule"/>'s mapping for an event that arrived on <paramref name="source"/>. Made
    /// here only, so <c>serve</c>, <c>bridge try</c> and <c>bridge test</c> hand a mapping the same context.
    /// </summary>
    public static MappingContext For(RuleConfig rule, SourceConfig source)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(source);
        return new(rule.Name, rule.Topic, rule.Destination, source.Name, source.BaseUrl);
    }
}
