using Bridge.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Bridge.Tests.Samples;

/// <summary>
/// <c>samples/authentik/blueprint.yaml</c> read as Authentik reads it: its custom tags (<c>!KeyOf</c>, <c>!Find</c>,
/// <c>!Env</c>, <c>!Context</c>, <c>!Format</c>) resolved against the file, and every model and field checked
/// against the models of the Authentik versions the guide names.
/// </summary>
public sealed class BlueprintTests
{
    /// <summary>
    /// The fields a blueprint may set on each model, from Authentik's models and migrations: 2025.4 added
    /// <c>webhook_mapping_body</c>/<c>webhook_mapping_headers</c> (events 0009, replacing <c>webhook_mapping</c>);
    /// 2025.8 renamed the rule's <c>group</c> to <c>destination_group</c> and added <c>destination_event_user</c> (events 0010).
    /// </summary>
    private static Dictionary<string, string[]> Models(bool destinationGroup) => new(StringComparer.Ordinal)
    {
        ["authentik_events.notificationwebhookmapping"] = ["name", "expression"],
        ["authentik_events.notificationtransport"] = ["name", "mode", "webhook_url", "webhook_mapping_body", "webhook_mapping_headers", "send_once"],
        ["authentik_policies_event_matcher.eventmatcherpolicy"] = ["name", "execution_logging", "action", "client_ip", "app", "model"],
        ["authentik_events.notificationrule"] = destinationGroup
            ? ["name", "transports", "severity", "destination_group", "destination_event_user"]
            : ["name", "transports", "severity", "group"],
        ["authentik_policies.policybinding"] = ["policy", "group", "user", "target", "order", "enabled", "negate", "timeout", "failure_result"],
        ["authentik_core.group"] = ["name", "pk", "is_superuser", "parent"],
    };

    /// <summary>Which model each reference field must point at.</summary>
    private static readonly Dictionary<(string Model, string Field), string> References = new()
    {
        [("authentik_events.notificationtransport", "webhook_mapping_body")] = "authentik_events.notificationwebhookmapping",
        [("authentik_events.notificationtransport", "webhook_mapping_headers")] = "authentik_events.notificationwebhookmapping",
        [("authentik_events.notificationrule", "transports")] = "authentik_events.notificationtransport",
        [("authentik_events.notificationrule", "destination_group")] = "authentik_core.group",
        [("authentik_events.notificationrule", "group")] = "authentik_core.group",
        [("authentik_policies.policybinding", "policy")] = "authentik_policies_event_matcher.eventmatcherpolicy",
        [("authentik_policies.policybinding", "target")] = "authentik_events.notificationrule",
    };

    private static string BlueprintText => File.ReadAllText(Path.Combine(TestPaths.Samples, "authentik", "blueprint.yaml"));

    private static YamlMappingNode Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    /// <summary>The documented edit for 2025.4 to 2025.6: <c>group</c> for <c>destination_group</c>, no <c>destination_event_user</c>.</summary>
    private static string Variant2025_4(string yaml) =>
        string.Join('\n', yaml.Split('\n').Where(l => !l.TrimStart().StartsWith("destination_event_user:", StringComparison.Ordinal)))
            .Replace("      destination_group: !Find", "      group: !Find", StringComparison.Ordinal);

    [Fact]
    public void EveryModelAndFieldExistsOn2025_8AndLater() =>
        Assert.Empty(Problems(Parse(BlueprintText), Models(destinationGroup: true)));

    [Fact]
    public void TheDocumentedVariantFits2025_4To2025_6() =>
        Assert.Empty(Problems(Parse(Variant2025_4(BlueprintText)), Models(destinationGroup: false)));

    [Fact]
    public void TheCheckTellsTheVersionsApart()
    {
        var problems = Problems(Parse(BlueprintText), Models(destinationGroup: false));

        Assert.Contains("authentik_events.notificationrule has no field destination_group", problems);
    }

    [Fact]
    public void EveryEventMatcherGivesActionAndTheOtherFieldsItsValidationReads()
    {
        var matchers = Entries(Parse(BlueprintText)).Where(e => Model(e) == "authentik_policies_event_matcher.eventmatcherpolicy").ToList();

        Assert.True(matchers.Count >= 6);
        Assert.All(matchers, m =>
        {
            var attrs = (YamlMappingNode)m.Children["attrs"];
            foreach (var field in (string[])["action", "client_ip", "app", "model"])
                Assert.True(attrs.Children.ContainsKey(field), $"{Id(m)} gives no {field}");
        });
        Assert.Contains(matchers, m => Scalar(((YamlMappingNode)m.Children["attrs"]).Children["action"]) == "login_failed");
    }

    [Fact]
    public void TheTransportSendsOnceToTheBridgeWithBothMappings()
    {
        var transport = (YamlMappingNode)Entries(Parse(BlueprintText)).Single(e => Model(e) == "authentik_events.notificationtransport").Children["attrs"];

        Assert.Equal("webhook", Scalar(transport.Children["mode"]));
        Assert.Equal("true", Scalar(transport.Children["send_once"]));
        Assert.Equal(("!Context", "bridge_url"), (Tag(transport.Children["webhook_url"]), Scalar(transport.Children["webhook_url"])));
        Assert.Equal("!KeyOf", Tag(transport.Children["webhook_mapping_headers"]));
    }

    [Fact]
    public void TheHeaderTokenComesFromTheEnvironmentAndTheBodyIsTheShippedMapping()
    {
        var entries = Entries(Parse(BlueprintText)).Where(e => Model(e) == "authentik_events.notificationwebhookmapping")
            .ToDictionary(Id, e => ((YamlMappingNode)e.Children["attrs"]).Children["expression"]);

        Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.Samples, "authentik", "body-mapping.py")), Scalar(entries["bridge-body"]));
        var format = Assert.IsType<YamlSequenceNode>(entries["bridge-headers"]);
        Assert.Equal("!Format", Tag(format));
        Assert.Equal("return {\"Authorization\": \"Bearer %s\"}", Scalar(format.Children[0]));
        Assert.Equal(("!Env", "BRIDGE_HOOK_TOKEN"), (Tag(format.Children[1]), Scalar(format.Children[1])));
    }

    [Fact]
    public void EveryPolicyIsBoundToTheRule()
    {
        var entries = Entries(Parse(BlueprintText)).ToList();
        var policies = entries.Where(e => Model(e) == "authentik_policies_event_matcher.eventmatcherpolicy").Select(Id).Order();
        var bound = entries.Where(e => Model(e) == "authentik_policies.policybinding")
            .Select(e => Scalar(((YamlMappingNode)e.Children["identifiers"]).Children["policy"])).Order();

        Assert.Equal(policies, bound);
    }

    /// <summary>Every problem with the blueprint for one version's models, as sentences; empty when it fits.</summary>
    private static List<string> Problems(YamlMappingNode root, Dictionary<string, string[]> models)
    {
        var problems = new List<string>();
        if (Scalar(root.Children["version"]) != "1") problems.Add("version is not 1");
        var context = root.Children.TryGetValue("context", out var c) ? ((YamlMappingNode)c).Children.Keys.Select(Scalar).ToHashSet() : [];
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Entries(root))
        {
            var model = Model(entry);
            if (!models.TryGetValue(model, out var fields))
            {
                problems.Add($"unknown model {model}");
                continue;
            }
            foreach (var section in (string[])["identifiers", "attrs"])
            {
                if (!entry.Children.TryGetValue(section, out var node)) continue;
                foreach (var (key, value) in ((YamlMappingNode)node).Children)
                {
                    var field = Scalar(key);
                    if (!fields.Contains(field)) problems.Add($"{model} has no field {field}");
                    References.TryGetValue((model, field), out var target);
                    CheckTags(value, target, ids, context, models, problems);
                }
            }
            if (entry.Children.TryGetValue("id", out var id)) ids[Scalar(id)] = model;
        }
        return problems;
    }

    /// <summary>Resolves the tags in one value: a <c>!KeyOf</c> names an earlier entry of the right model, a <c>!Find</c> a known model and field.</summary>
    private static void CheckTags(YamlNode value, string? target, Dictionary<string, string> ids, HashSet<string> context,
        Dictionary<string, string[]> models, List<string> problems)
    {
        switch (Tag(value))
        {
            case "!KeyOf":
                if (!ids.TryGetValue(Scalar(value), out var model)) problems.Add($"!KeyOf {Scalar(value)}: no earlier entry has that id");
                else if (target is not null && model != target) problems.Add($"!KeyOf {Scalar(value)} is a {model}, not a {target}");
                return;
            case "!Find":
                var find = (YamlSequenceNode)value;
                var found = Scalar(find.Children[0]);
                if (!models.TryGetValue(found, out var fields)) problems.Add($"!Find on unknown model {found}");
                else if (target is not null && found != target) problems.Add($"!Find gives a {found}, not a {target}");
                foreach (var query in find.Children.Skip(1).Cast<YamlSequenceNode>())
                {
                    if (fields is not null && !fields.Contains(Scalar(query.Children[0]))) problems.Add($"!Find: {found} has no field {Scalar(query.Children[0])}");
                    CheckTags(query.Children[1], null, ids, context, models, problems);
                }
                return;
            case "!Context":
                if (!context.Contains(Scalar(value))) problems.Add($"!Context {Scalar(value)} has no default in the blueprint's context");
                return;
            case "!Env":
                if (Scalar(value).Length == 0) problems.Add("!Env without a variable name");
                return;
        }
        if (value is YamlSequenceNode list)
            foreach (var item in list.Children) CheckTags(item, target, ids, context, models, problems);
    }

    private static IEnumerable<YamlMappingNode> Entries(YamlMappingNode root) => ((YamlSequenceNode)root.Children["entries"]).Children.Cast<YamlMappingNode>();

    private static string Model(YamlMappingNode entry) => Scalar(entry.Children["model"]);

    private static string Id(YamlMappingNode entry) => Scalar(entry.Children["id"]);

    /// <summary>The node's tag (<c>!KeyOf</c>…), or "" for a plain value.</summary>
    private static string Tag(YamlNode node) => node.Tag.IsEmpty || node.Tag.IsNonSpecific ? "" : node.Tag.Value;

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";
}
