using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Ingest;
using Bridge.Mappings;
using Bridge.Messages;
using Bridge.Rules;

namespace Bridge.Dashboard;

/// <summary>
/// The one place the playground reaches into the pipeline: bytes to a normalised event with every rule's verdict, and
/// an event through a mapping to the exact ntfy JSON. The same calls <c>bridge try</c> makes (and so <c>serve</c>:
/// the hook's body reader and normaliser, the rule set, the mapping runner, ntfy's field checks); when the pipeline
/// offers them as one path, this adapter is what changes.
/// </summary>
public static class PlaygroundPath
{
    /// <summary>The event the bridge would make of <paramref name="body"/> on <paramref name="source"/>, or why it would refuse it.</summary>
    public static (BridgeEvent? Event, IReadOnlyList<RuleVerdict> Verdicts, string? Problem) Read(BridgeRuntime runtime, SourceConfig source, byte[] body, TimeProvider time)
    {
        var (document, problem) = HookBodyReader.Parse(body, runtime.Config.Server.Limits.MaxDepth);
        if (problem is not null) return (null, [], $"{problem.Detail} (the bridge would answer {problem.Status})");
        using (document)
        {
            var normalized = EventNormalizer.Normalize(source, document!.RootElement, time);
            if (normalized.Error is { } shape) return (null, [], $"{shape.Message} (the bridge would answer 422)");
            return (normalized.Event, runtime.Rules.Evaluate(normalized.Event!), null);
        }
    }

    /// <summary>Runs <paramref name="mapping"/> on the event; each message as the exact JSON that would be POSTed to ntfy.</summary>
    public static (MappingOutcome Outcome, IReadOnlyList<JsonElement> Json) Map(MappingRunner runner, CompiledMapping mapping, BridgeEvent e, MappingContext ctx)
    {
        var outcome = runner.Run(mapping, e, ctx);
        var json = outcome.Messages.Select(m => JsonDocument.Parse(NtfyMessageJson.ToUtf8(m)).RootElement.Clone()).ToList();
        return (outcome, json);
    }

    /// <summary>Compiles an edited script as the catalog compiles a file; the error names the line and column.</summary>
    public static CompiledMapping? Compile(string name, string? filePath, string script, MappingLimitsConfig limits, out string? error) =>
        MappingCompiler.Compile(name, filePath ?? name, script, limits, out error);
}
