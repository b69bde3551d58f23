using Bridge.Configuration;
using Bridge.Events;
using Bridge.Messages;
using Bridge.Rules;

namespace Bridge.Mappings;

/// <summary>What a mapping receives as <c>ctx</c>.</summary>
/// <param name="BaseUrl">The source's configured Authentik URL, for links into the admin UI; null when not set.</param>
public sealed record MappingContext(string Rule, string? Topic, string Destination, string Source, string? BaseUrl);

/// <summary>Why a mapping produced nothing sendable. <see cref="Kind"/> is <c>syntax</c>, <c>runtime</c>, <c>limit</c> or <c>invalid_message</c>.</summary>
/// <param name="Field">For <c>invalid_message</c>: the offending field, e.g. <c>[0].priority</c>.</param>
public sealed record MappingError(string Mapping, string Kind, string Message, int? Line = null, int? Column = null, string? Field = null)
{
    public override string ToString() =>
        $"{Mapping}{(Line is null ? "" : $":{Line}:{Column}")}: {Kind}: {(Field is null ? "" : Field + ": ")}{Message}";
}

/// <summary>The result of running one rule's mapping on one event.</summary>
/// <param name="Messages">What to send; empty when the mapping returned null (dropped) or failed.</param>
/// <param name="Errors">Empty on success. A mapping that returns two messages, one invalid, sends the valid one.</param>
/// <param name="Logs">What <c>console.log</c>/<c>console.warn</c> printed during the run, in order.</param>
public sealed record MappingOutcome(IReadOnlyList<NtfyMessage> Messages, IReadOnlyList<MappingError> Errors, IReadOnlyList<string> Logs)
{
    public bool Dropped => Messages.Count == 0 && Errors.Count == 0;
}

/// <summary>Every mapping a configuration names, compiled once, plus the built-in default.</summary>
public sealed class MappingCatalog
{
    /// <summary>Reads and compiles each mapping file the rules name; syntax errors go to <paramref name="errors"/> with file, line and column.</summary>
    public static MappingCatalog Load(BridgeConfig config, ICollection<ConfigError> errors) => throw new NotImplementedException();
}

/// <summary>Runs mappings in the sandbox and normalises what they return into ntfy messages.</summary>
public sealed class MappingRunner(MappingLimitsConfig limits)
{
    public MappingLimitsConfig Limits { get; } = limits;

    public MappingOutcome Run(MappingCatalog catalog, CompiledRule rule, BridgeEvent e, MappingContext ctx) => throw new NotImplementedException();
}
