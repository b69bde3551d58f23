namespace Bridge.Mappings;

/// <summary>What a mapping receives as <c>ctx</c>.</summary>
/// <param name="BaseUrl">The source's configured Authentik URL, for links into the admin UI; null when not set.</param>
public sealed record MappingContext(string Rule, string? Topic, string Destination, string Source, string? BaseUrl);
