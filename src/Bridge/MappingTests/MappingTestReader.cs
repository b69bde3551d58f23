using System.Globalization;
using System.Text.Json.Nodes;
using Bridge.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bridge.MappingTests;

/// <summary>
/// Reads a test file (YAML). Keys set at the top are defaults for every case; unknown keys are reported with the known
/// ones, so a typo like <c>expected:</c> fails loudly instead of making a case that checks nothing.
/// </summary>
public static class MappingTestReader
{
    private static readonly string[] SharedKeys = ["mapping", "rule", "source", "format", "action_field", "ctx", "now"];
    private static readonly string[] FileKeys = [.. SharedKeys, "cases"];
    private static readonly string[] CaseKeys = ["name", "payload", .. SharedKeys, "expect", "dropped", "error", "logs", "digest"];
    private static readonly string[] CtxKeys = ["rule", "topic", "destination", "base_url", "public_url"];

    public static MappingTestFile Read(string path)
    {
        var full = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(full, [], [$"cannot read the file: {e.Message}"]);
        }
        return Parse(text, full);
    }

    /// <param name="path">The file's full path: payload files resolve against its folder.</param>
    public static MappingTestFile Parse(string yaml, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            return new(path, [], [$"line {e.Start.Line}, column {e.Start.Column}: not valid YAML: {e.InnerException?.Message ?? e.Message}"]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            return new(path, [], ["the file must be a YAML mapping with a 'cases' list (see docs/mappings.md)"]);

        var problems = new List<string>();
        Unknown(root, FileKeys, "", problems);
        var defaults = Shared(root, problems);
        var cases = new List<MappingTestCase>();
        switch (Find(root, "cases"))
        {
            case YamlSequenceNode list:
                for (var i = 0; i < list.Children.Count; i++)
                {
                    if (list.Children[i] is YamlMappingNode node) cases.Add(Case(node, i, defaults, path));
                    else problems.Add($"line {list.Children[i].Start.Line}: cases[{i}] must be a mapping (name:, payload:, expect:)");
                }
                if (list.Children.Count == 0) problems.Add("'cases' is empty");
                break;
            case null:
                problems.Add("no 'cases' list: add one, e.g. cases: [{ name: ..., payload: ..., expect: { title: ... } }]");
                break;
            case var other:
                problems.Add($"line {other.Start.Line}: 'cases' must be a list");
                break;
        }
        return new(path, cases, problems);
    }

    private sealed record Defaults(string? Mapping, string? Rule, MappingTestSource Source, MappingTestContext Ctx, DateTimeOffset? Now);

    private static Defaults Shared(YamlMappingNode node, List<string> problems, Defaults? inherited = null)
    {
        var source = inherited?.Source ?? new MappingTestSource(null, null, null);
        var format = Text(node, "format", problems);
        SourceFormat? parsed = format switch
        {
            null => source.Format,
            "authentik" => SourceFormat.Authentik,
            "json" => SourceFormat.Json,
            _ => Problem<SourceFormat?>(problems, node, "format", $"\"{format}\" is not a format: use 'authentik' or 'json'"),
        };
        source = new MappingTestSource(Text(node, "source", problems) ?? source.Name, parsed, Text(node, "action_field", problems) ?? source.ActionField);

        var ctx = inherited?.Ctx ?? new MappingTestContext(null, null, null, null, null);
        switch (Find(node, "ctx"))
        {
            case YamlMappingNode c:
                Unknown(c, CtxKeys, "ctx.", problems);
                ctx = new MappingTestContext(
                    Override(c, "rule", ctx.Rule, problems),
                    Override(c, "topic", ctx.Topic, problems),
                    Override(c, "destination", ctx.Destination, problems),
                    Override(c, "base_url", ctx.BaseUrl, problems),
                    Override(c, "public_url", ctx.PublicUrl, problems));
                break;
            case null:
                break;
            case var other:
                problems.Add($"line {other.Start.Line}: 'ctx' must be a mapping, e.g. ctx: {{ base_url: https://auth.example.com }}");
                break;
        }

        var now = inherited?.Now;
        if (Text(node, "now", problems) is { } nowText)
        {
            if (DateTimeOffset.TryParse(nowText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) now = at;
            else problems.Add($"line {Find(node, "now")!.Start.Line}: now: \"{nowText}\" is not a date and time (example: 2026-03-14T09:30:00Z)");
        }

        var mapping = Text(node, "mapping", problems);
        var rule = Text(node, "rule", problems);
        // A case naming a mapping (or a rule) replaces the file's choice rather than adding to it.
        if (inherited is not null && mapping is null && rule is null) (mapping, rule) = (inherited.Mapping, inherited.Rule);
        if (mapping is not null && rule is not null)
            problems.Add($"line {node.Start.Line}: give 'mapping' (run one mapping file) or 'rule' (run a rule of the config), not both");
        return new Defaults(mapping, rule, source, ctx, now);
    }

    private static MappingTestCase Case(YamlMappingNode node, int index, Defaults defaults, string file)
    {
        var problems = new List<string>();
        Unknown(node, CaseKeys, "", problems);
        var name = Text(node, "name", problems) ?? $"case {index + 1}";
        var own = Shared(node, problems, defaults);

        JsonNode? payload = null;
        string? payloadFile = null;
        switch (Find(node, "payload"))
        {
            case YamlScalarNode { Value: { Length: > 0 } relative }:
                payloadFile = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, relative));
                break;
            case YamlMappingNode inline:
                payload = YamlJson.ToJson(inline);
                break;
            case null:
                problems.Add("no payload: give a file (payload: ../payloads/login.json) or the JSON inline (payload: { action: login, ... })");
                break;
            case var other:
                problems.Add($"line {other.Start.Line}: payload must be a file name or a JSON object written as YAML");
                break;
        }

        var expectNode = Find(node, "expect");
        var messages = expectNode is null ? null : YamlJson.ToJson(expectNode);
        if (expectNode is not null and not (YamlMappingNode or YamlSequenceNode))
            problems.Add($"line {expectNode.Start.Line}: expect must be a message's fields (expect: {{ title: ... }}) or a list of them");
        var dropped = Text(node, "dropped", problems) is { } d && d is "true" or "yes";
        var digest = Text(node, "digest", problems) is { } g && g is "true" or "yes";
        if (digest && own.Rule is null && own.Mapping is not null) problems.Add("digest: true runs a rule's throttle digest: give 'rule', not 'mapping'");
        var error = Text(node, "error", problems);
        var logs = Find(node, "logs") switch
        {
            YamlSequenceNode seq => seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList(),
            YamlScalarNode one => [one.Value ?? ""],
            _ => [],
        };
        var said = (messages is null ? 0 : 1) + (dropped ? 1 : 0) + (error is null ? 0 : 1);
        if (said == 0) problems.Add("says nothing to check: add expect: { ...fields... }, dropped: true, or error: \"text\"");
        if (said > 1) problems.Add("give only one of expect, dropped: true and error");

        return new MappingTestCase(file, name, (int)node.Start.Line, own.Mapping, own.Rule, own.Source, payload, payloadFile,
            own.Ctx, own.Now, new MappingTestExpectation(messages, dropped, error, logs), problems) { Digest = digest };
    }

    private static YamlNode? Find(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Text(YamlMappingNode node, string key, List<string> problems)
    {
        switch (Find(node, key))
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                return scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" ? null : scalar.Value;
            case var other:
                problems.Add($"line {other.Start.Line}: '{key}' must be a single value");
                return null;
        }
    }

    // A case's `base_url: null` removes the file's base URL (to test the mapping without one); an absent key keeps it.
    private static string? Override(YamlMappingNode node, string key, string? inherited, List<string> problems) =>
        Find(node, key) is null ? inherited : Text(node, key, problems);

    private static void Unknown(YamlMappingNode node, string[] known, string prefix, List<string> problems)
    {
        foreach (var (key, _) in node.Children)
        {
            var name = key is YamlScalarNode scalar ? scalar.Value ?? "" : key.ToString();
            if (!known.Contains(name, StringComparer.Ordinal))
                problems.Add($"line {key.Start.Line}: unknown key '{prefix}{name}' (known keys: {string.Join(", ", known)})");
        }
    }

    private static T? Problem<T>(List<string> problems, YamlMappingNode node, string key, string message)
    {
        problems.Add($"line {Find(node, key)!.Start.Line}: {key}: {message}");
        return default;
    }
}
