using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Mappings;
using Bridge.Messages;

namespace Bridge.Dashboard;

/// <summary>
/// The one place the playground reaches into the pipeline, through the same path as <c>serve</c>, <c>bridge try</c> and
/// <c>bridge test</c>: <see cref="EventReader"/> from bytes to the event and every verdict, <see cref="MessageMaker"/>
/// from the event and a mapping to the exact bytes POSTed to ntfy.
/// </summary>
public static class PlaygroundPath
{
    /// <summary>The event the bridge would make of <paramref name="body"/>, or why it would refuse it.</summary>
    /// <param name="stored">A body the bridge stored: read under the widest limits, as recovery reads it.</param>
    public static EventReading Read(BridgeRuntime runtime, SourceConfig source, byte[] body, DateTimeOffset at, bool stored) =>
        EventReader.Read(body, source, runtime, at, stored ? PayloadLimits.Stored : PayloadLimits.Of(runtime.Config.Server.Limits));

    /// <summary>Runs <paramref name="mapping"/> on the event; each message as the exact JSON that would be POSTed to ntfy.</summary>
    public static (MadeMessages Made, IReadOnlyList<JsonElement> Json) Map(MessageMaker maker, CompiledMapping mapping, BridgeEvent e, MappingContext ctx, string dedupeKey)
    {
        var made = maker.Previewing.Make(mapping, e, ctx, dedupeKey);
        return (made, [.. made.Messages.Select(m => JsonDocument.Parse(m.Body).RootElement.Clone())]);
    }

    /// <summary>Compiles an edited script as the catalog compiles a file; the error names the line and column.</summary>
    public static CompiledMapping? Compile(string name, string? filePath, string script, MappingLimitsConfig limits, out string? error) =>
        MappingCompiler.Compile(name, filePath ?? name, script, limits, out error);
}
