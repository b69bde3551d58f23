namespace Bridge.MappingTests;

/// <summary>One difference between what a case expected and what the mapping produced.</summary>
/// <param name="Path">The field, e.g. <c>title</c> or <c>[1].actions[0].url</c>; empty for the whole result.</param>
/// <param name="Expected">What was expected, in words or JSON.</param>
/// <param name="Actual">What came out, as JSON; null when there is nothing to show.</param>
public sealed record Mismatch(string Path, string Expected, string? Actual);
