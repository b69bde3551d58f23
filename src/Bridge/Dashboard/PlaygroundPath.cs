using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Mappings;
using Bridge.Messages;
using Bridge.Rules;

namespace Bridge.Dashboard;

/// <summary>
/// The one place the playground reaches into the pipeline, through the same two types <c>serve</c>, <c>bridge try</c>
/// and <c>bridge test</c> use: <see cref="EventReader"/> (bytes to an event with every rule's verdict) and
/// <see cref="MessageMaker"/> (an event through a mapping to the exact bytes POSTed to ntfy, <c>sequence_id</c> included).
/// </summary>
public static class PlaygroundPath
{
    /// <summary>The event the bridge would make of <paramref name="body"/> on <paramref name="source"/>, or why it would refuse it.</summary>
    public static (BridgeEvent? Event, IReadOnlyList<RuleVerdict> Verdicts, string? Problem) Read(BridgeRuntime runtime, SourceConfig source, byte[] body, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var reading = EventReader.Read(body, source, runtime, time.GetUtcNow(), PayloadLimits.Of(runtime.Config.Server.Limits));
        if (reading.Problem is { } problem) return (null, [], $"{problem.Detail} (the bridge would answer {problem.Status})");
        return (reading.Event, reading.Verdicts, null);
    }

    /// <summary>Runs <paramref name="mapping"/> on the event; each message as the exact JSON that would be POSTed to ntfy.</summary>
    public static (MadeMessages Made, IReadOnlyList<JsonElement> Json) Map(MessageMaker maker, CompiledMapping mapping, BridgeEvent e, MappingContext ctx, string dedupeKey)
    {
        ArgumentNullException.ThrowIfNull(maker);
        var made = maker.Make(mapping, e, ctx, dedupeKey);
        var json = made.Messages.Select(m => JsonDocument.Parse(m.Body).RootElement.Clone()).ToList();
        return (made, json);
    }

    /// <summary>Compiles an edited script as the catalog compiles a file; the error names the line and column.</summary>
    public static CompiledMapping? Compile(string name, string? filePath, string script, MappingLimitsConfig limits, out string? error) =>
        MappingCompiler.Compile(name, filePath ?? name, script, limits, out error);
}
