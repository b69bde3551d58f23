using System.Text.Json.Serialization;

namespace Bridge.Storage;

/// <summary>
/// What one rule's mapping said while it ran on an event: its <c>console.log</c>/<c>console.warn</c> lines and its
/// errors. Kept with the event, so "why did this notification look like that" can be answered after the fact.
/// </summary>
public sealed record MappingRunLog(
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("mapping")] string Mapping,
    [property: JsonPropertyName("console")] IReadOnlyList<string> Console,
    [property: JsonPropertyName("errors")] IReadOnlyList<string> Errors);
