using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Bridge.Messages;

/// <summary>
/// A message exactly as it is POSTed to ntfy's root as JSON; only the message normaliser builds one,
/// so every instance already satisfies what ntfy checks (topic pattern, integer priority, at most 3 actions...).
/// </summary>
public sealed record NtfyMessage
{
    [JsonPropertyName("topic")] public required string Topic { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
    [JsonPropertyName("title")] public string? Title { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<string>? Tags { get; init; }
    [JsonPropertyName("priority")] public int? Priority { get; init; }
    /// <summary>Already validated action objects (view, broadcast, http, copy).</summary>
    [JsonPropertyName("actions")] public JsonArray? Actions { get; init; }
    [JsonPropertyName("click")] public string? Click { get; init; }
    [JsonPropertyName("attach")] public string? Attach { get; init; }
    [JsonPropertyName("icon")] public string? Icon { get; init; }
    [JsonPropertyName("markdown")] public bool? Markdown { get; init; }
    [JsonPropertyName("filename")] public string? Filename { get; init; }
    [JsonPropertyName("delay")] public string? Delay { get; init; }
    [JsonPropertyName("email")] public string? Email { get; init; }
    [JsonPropertyName("call")] public string? Call { get; init; }
    [JsonPropertyName("cache")] public string? Cache { get; init; }
    [JsonPropertyName("firebase")] public string? Firebase { get; init; }
    /// <summary>Lets newer ntfy clients replace rather than duplicate a redelivered message; older servers ignore it.</summary>
    [JsonPropertyName("sequence_id")] public string? SequenceId { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NtfyMessage))]
internal sealed partial class NtfyJsonContext : JsonSerializerContext;
