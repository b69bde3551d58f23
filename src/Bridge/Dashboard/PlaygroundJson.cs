using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bridge.Dashboard;

/// <summary>
/// What to try: a rule (its mapping, source and ctx) or a mapping alone; a stored event or a pasted body; and the
/// script as edited (null: the file as loaded). For a send, the topic and the same topic again as confirmation.
/// </summary>
public sealed record PlaygroundRequest(
    [property: JsonPropertyName("rule")] string? Rule,
    [property: JsonPropertyName("mapping")] string? Mapping,
    [property: JsonPropertyName("source")] string? Source,
    [property: JsonPropertyName("event")] string? Event,
    [property: JsonPropertyName("body")] string? Body,
    [property: JsonPropertyName("script")] string? Script,
    [property: JsonPropertyName("topic")] string? Topic = null,
    [property: JsonPropertyName("confirm_topic")] string? ConfirmTopic = null,
    [property: JsonPropertyName("digest")] bool Digest = false);

/// <summary>What the bridge would do: the event, every verdict, the mapping's output, and the case as <c>bridge test</c> YAML.</summary>
public sealed record PlaygroundResult(
    [property: JsonPropertyName("rule")] string? Rule,
    [property: JsonPropertyName("mapping")] string Mapping,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("event")] JsonElement Event,
    [property: JsonPropertyName("verdicts")] IReadOnlyList<PlaygroundVerdict> Verdicts,
    [property: JsonPropertyName("console")] IReadOnlyList<string> Console,
    [property: JsonPropertyName("errors")] IReadOnlyList<PlaygroundError> Errors,
    [property: JsonPropertyName("dropped")] bool Dropped,
    [property: JsonPropertyName("messages")] IReadOnlyList<JsonElement> Messages,
    [property: JsonPropertyName("test_case")] string TestCase);

public sealed record PlaygroundVerdict(
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("matched")] bool Matched,
    [property: JsonPropertyName("reason")] string? Reason);

/// <summary>A mapping error with where it happened, when known (1-based line and column).</summary>
public sealed record PlaygroundError(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("line")] int? Line,
    [property: JsonPropertyName("column")] int? Column,
    [property: JsonPropertyName("text")] string Text);

/// <summary>What the playground can be given: rules, mappings, sources and recent events.</summary>
public sealed record PlaygroundOptions(
    [property: JsonPropertyName("rules")] IReadOnlyList<PlaygroundRule> Rules,
    [property: JsonPropertyName("mappings")] IReadOnlyList<string> Mappings,
    [property: JsonPropertyName("sources")] IReadOnlyList<string> Sources,
    [property: JsonPropertyName("events")] IReadOnlyList<EventRow> Events);

public sealed record PlaygroundRule(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("mapping")] string Mapping,
    [property: JsonPropertyName("source")] string? Source,
    [property: JsonPropertyName("destination")] string Destination,
    [property: JsonPropertyName("topic")] string? Topic,
    [property: JsonPropertyName("throttled")] bool Throttled = false);

/// <summary>A test message sent from the playground: the event it was recorded under, and the message's id.</summary>
public sealed record PlaygroundSent(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("messages")] IReadOnlyList<long> Messages);
