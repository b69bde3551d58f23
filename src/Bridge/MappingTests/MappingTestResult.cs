using Bridge.Messages;

namespace Bridge.MappingTests;

/// <summary>What one case did: the messages it produced, and why it failed when it did.</summary>
/// <param name="Subject">What ran, in words: <c>failed-login.js</c>, <c>rule admin-login (admin-login.js)</c>, <c>every matching rule</c>.</param>
/// <param name="Problems">Why the case could not run as written (bad payload, unknown rule, mapping that does not compile…).</param>
/// <param name="Mismatches">Where the result differs from the expectation.</param>
/// <param name="Notes">What a reader needs to understand the result, such as the rules that did not match and why.</param>
public sealed record MappingTestResult(
    MappingTestCase Case,
    string Subject,
    IReadOnlyList<string> Problems,
    IReadOnlyList<Mismatch> Mismatches,
    IReadOnlyList<NtfyMessage> Messages,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Logs,
    IReadOnlyList<string> Notes)
{
    public bool Passed => Problems.Count == 0 && Mismatches.Count == 0;

    public static MappingTestResult Broken(MappingTestCase c, string subject, params IReadOnlyList<string> problems) =>
        new(c, subject, problems, [], [], [], [], []);
}
