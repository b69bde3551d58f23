using System.Text.Json.Nodes;
using Bridge.Configuration;

namespace Bridge.MappingTests;

/// <summary>One test case from a test file, with the file's defaults already applied.</summary>
/// <param name="File">The test file's full path.</param>
/// <param name="Line">Where the case starts in the file, for messages.</param>
/// <param name="Mapping">Run this mapping file (relative to the mappings folder) with no rules.</param>
/// <param name="Rule">Run this rule of the configuration (its match, mapping, topic and source).</param>
/// <param name="Payload">An inline payload, as the sender would POST it.</param>
/// <param name="PayloadFile">A payload file's full path (relative paths in the file resolve against the test file's folder).</param>
/// <param name="Problems">What is wrong with the case as written; a case with problems fails without running.</param>
public sealed record MappingTestCase(
    string File,
    string Name,
    int Line,
    string? Mapping,
    string? Rule,
    MappingTestSource Source,
    JsonNode? Payload,
    string? PayloadFile,
    MappingTestContext Ctx,
    DateTimeOffset? Now,
    MappingTestExpectation Expect,
    IReadOnlyList<string> Problems)
{
    /// <summary><c>digest: true</c>: run each matched rule's mapping as its throttle's digest (<c>ctx.throttle</c> of a period that held this event).</summary>
    public bool Digest { get; init; }
}

/// <summary>Where the payload arrives. In a test with rules, <see cref="Name"/> names a configured source.</summary>
/// <param name="Format">For mapping-only tests: how the payload is read; <c>authentik</c> unless said otherwise.</param>
/// <param name="ActionField">For <c>format: json</c>: the dotted path of the action, as in the config.</param>
public sealed record MappingTestSource(string? Name, SourceFormat? Format, string? ActionField);

/// <summary>Overrides for what the mapping sees as <c>ctx</c>; null keeps the rule's (or the test default).</summary>
/// <param name="PublicUrl">The bridge's <c>server.public_url</c>, for <c>bridge.links.event</c>.</param>
public sealed record MappingTestContext(string? Rule, string? Topic, string? Destination, string? BaseUrl, string? PublicUrl);

/// <summary>What the case expects: messages (a subset of each message's fields), nothing at all, or an error.</summary>
/// <param name="Messages">One expected message (a JSON object) or several (an array, in order); null when not given.</param>
/// <param name="Dropped">True when nothing must be sent.</param>
/// <param name="Error">Text the mapping's error must contain.</param>
/// <param name="Logs">Text each of which some <c>console.log</c> line must contain.</param>
public sealed record MappingTestExpectation(JsonNode? Messages, bool Dropped, string? Error, IReadOnlyList<string> Logs);

/// <summary>A test file: its cases, or the problems that stopped it being read.</summary>
public sealed record MappingTestFile(string Path, IReadOnlyList<MappingTestCase> Cases, IReadOnlyList<string> Problems);
