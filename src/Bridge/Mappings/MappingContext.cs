using Bridge.Configuration;
using Bridge.Events;

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

    /// <summary>The bridge's <c>server.public_url</c>, for links to its dashboard (<c>bridge.links.event</c>); null when not set.</summary>
    public string? PublicUrl { get; init; }

    /// <summary>The "Mute 1 h" button for this message (<c>ctx.mute</c>); null without <c>server.public_url</c>. Made by <see cref="Messages.MessageMaker"/>.</summary>
    public Silences.MuteLink? Mute { get; init; }

    /// <summary>The incident card a grouped rule's mapping makes (<c>ctx.group</c>); null for a rule without <c>group</c>.</summary>
    public Incidents.GroupView? Group { get; init; }

    /// <summary>
    /// The <c>ctx</c> of <paramref name="rule"/>'s mapping for an event that arrived on <paramref name="source"/>. Made
    /// here only, so <c>serve</c>, <c>bridge try</c> and <c>bridge test</c> hand a mapping the same context.
    /// </summary>
    /// <param name="publicUrl">The bridge's <c>server.public_url</c>; null without one (or without a config).</param>
    public static MappingContext For(RuleConfig rule, SourceConfig source, Uri? publicUrl)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(source);
        return new(rule.Name, rule.Topic, rule.Destination, source.Name, source.BaseUrl) { PublicUrl = publicUrl?.ToString() };
    }

    /// <summary>
    /// For a grouped rule with no card given: the card of a group that <paramref name="e"/> alone opened, which is what one
    /// event on its own (<c>bridge try</c>, <c>bridge test</c>, the playground) makes in <c>serve</c> too.
    /// </summary>
    public MappingContext WithGroupOf(RuleConfig rule, BridgeEvent e, string dedupeKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return Group is null && rule.Group is { } grouping ? this with { Group = Incidents.IncidentLogic.OneEvent(rule.Name, grouping, e, dedupeKey, Now ?? now) } : this;
    }
}
