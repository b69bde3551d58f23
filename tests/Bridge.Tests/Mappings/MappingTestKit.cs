using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Mappings;
using Bridge.Rules;

namespace Bridge.Tests.Mappings;

/// <summary>Builds events, configurations and catalogs for mapping tests; mapping files go to a temporary folder.</summary>
internal sealed class MappingTestKit : IDisposable
{
    public static readonly MappingContext Ctx = new("test-rule", "alerts", "ntfy", "authentik", "https://auth.example.com/");

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "bridge-mappings-" + Guid.NewGuid().ToString("n"));

    public MappingTestKit() => System.IO.Directory.CreateDirectory(Directory);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    public string Write(string name, string source)
    {
        File.WriteAllText(Path.Combine(Directory, name), source);
        return name;
    }

    public static RuleConfig Rule(string? mapping, int index = 0, string? topic = "alerts") =>
        new($"rule{index}", new MatchSpec(), null, mapping, "ntfy", topic, false, $"rules[{index}]");

    public static CompiledRule Compiled(RuleConfig rule) => new() { Config = rule };

    public BridgeConfig Config(MappingLimitsConfig? limits, params RuleConfig[] rules) => ConfigIn(Directory, limits, rules);

    public static BridgeConfig ConfigIn(string directory, MappingLimitsConfig? limits, params RuleConfig[] rules) =>
        new(null, directory, new ServerConfig(ServerConfig.DefaultUrls),
            new Dictionary<string, DestinationConfig>(), new Dictionary<string, SourceConfig>(), rules, directory,
            limits ?? MappingLimitsConfig.Default);

    /// <summary>Compiles one mapping source and runs it on <paramref name="e"/> (a login by alice.admin when null).</summary>
    public MappingOutcome Run(string source, BridgeEvent? e = null, MappingLimitsConfig? limits = null, MappingContext? ctx = null)
    {
        var (catalog, rule) = Load(source, limits);
        return new MappingRunner(limits ?? MappingLimitsConfig.Default).Run(catalog, rule, e ?? Login(), ctx ?? Ctx);
    }

    public (MappingCatalog Catalog, CompiledRule Rule) Load(string source, MappingLimitsConfig? limits = null)
    {
        var name = Write($"m{Guid.NewGuid():n}.js", source);
        var rule = Rule(name);
        var errors = new List<ConfigError>();
        var catalog = MappingCatalog.Load(Config(limits, rule), errors);
        Assert.Empty(errors);
        return (catalog, Compiled(rule));
    }

    public static BridgeEvent Login(string username = "alice.admin") => new(
        "3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e", "authentik", "login", "alert", "authentik.events.signals", null, "5.4.12.34",
        new EventUser("7", username, $"{username}@example.com", ["authentik Admins"]) { HasGroups = true },
        null, JsonDocument.Parse("""{"geo":{"city":"Berlin","country":"DE"}}""").RootElement, "login", "2026-03-14T09:21:07Z",
        JsonDocument.Parse("{}").RootElement);

    /// <summary>The event a fixture in <c>samples/payloads/authentik</c> normalises to (both body shapes), built by hand.</summary>
    public static BridgeEvent Fixture(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "samples", "payloads", "authentik", file);
        var root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        if (root.TryGetProperty("event", out var ev))
        {
            var n = root.GetProperty("notification");
            var u = ev.GetProperty("user");
            EventUser? user = u.TryGetProperty("username", out var name)
                ? new EventUser(u.GetProperty("pk").ToString(), name.GetString(), Str(u, "email"),
                    u.TryGetProperty("groups", out var g) ? [.. g.EnumerateArray().Select(x => x.GetString()!)] : []) { HasGroups = u.TryGetProperty("groups", out _) }
                : null;
            var context = ev.GetProperty("context");
            var model = context.TryGetProperty("model", out var m) ? $"{Str(m, "app")}.{Str(m, "model_name")}" : null;
            var summary = context.TryGetProperty("message", out var msg) ? msg.GetString() : Str(n, "body");
            return new BridgeEvent(Str(ev, "pk")!, "authentik", Str(ev, "action"), Str(n, "severity"), Str(ev, "app"), model,
                Str(ev, "client_ip"), user, null, context, summary, Str(ev, "created"), root);
        }
        var body = root.GetProperty("body").GetString()!;
        var action = body[..body.IndexOf(':', StringComparison.Ordinal)];
        return new BridgeEvent("generated-1", "authentik", action, Str(root, "severity"), null, null, null,
            new EventUser(null, Str(root, "event_user_username"), Str(root, "event_user_email"), []),
            new EventUser(null, Str(root, "user_username"), Str(root, "user_email"), []),
            null, body, null, root, IdIsGenerated: true);
    }

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
