using Bridge.Mappings;

namespace Bridge.Messages;

/// <summary>What one rule's mapping made of one event.</summary>
/// <param name="Messages">What to send, in the order the mapping returned them.</param>
/// <param name="Errors">Why something returned cannot be sent (or why the mapping failed); empty on success.</param>
/// <param name="Logs">What the mapping printed with <c>console.log</c>/<c>console.warn</c>, in order.</param>
/// <param name="Returned">How many valid messages the mapping returned; each error's index comes after them (see <see cref="ErrorIndex"/>).</param>
public sealed record MadeMessages(IReadOnlyList<ReadyMessage> Messages, IReadOnlyList<MappingError> Errors, IReadOnlyList<string> Logs, int Returned)
{
    /// <summary>The mapping returned null: nothing to send, and nothing wrong.</summary>
    public bool Dropped => Messages.Count == 0 && Errors.Count == 0;

    /// <summary>The index the store keeps error <paramref name="i"/> under, apart from every message's.</summary>
    public int ErrorIndex(int i) => Returned + i;
}
