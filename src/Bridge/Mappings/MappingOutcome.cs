using Bridge.Messages;

namespace Bridge.Mappings;

/// <summary>The result of running one rule's mapping on one event.</summary>
/// <param name="Messages">What to send; empty when the mapping returned null (dropped) or failed.</param>
/// <param name="Errors">Empty on success. A mapping that returns two messages, one invalid, sends the valid one.</param>
/// <param name="Logs">What <c>console.log</c>/<c>console.warn</c> printed during the run, in order.</param>
public sealed record MappingOutcome(IReadOnlyList<NtfyMessage> Messages, IReadOnlyList<MappingError> Errors, IReadOnlyList<string> Logs)
{
    /// <summary>Each message's JSON body as normalised, in the order of <see cref="Messages"/>; empty when the runner kept none.</summary>
    public IReadOnlyList<byte[]> Bodies { get; init; } = [];

    public bool Dropped => Messages.Count == 0 && Errors.Count == 0;
}
