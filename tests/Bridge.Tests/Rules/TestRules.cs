using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Rules;

namespace Bridge.Tests.Rules;

/// <summary>Builds rules and events for rule tests.</summary>
internal static class TestRules
{
    private static readonly JsonElement EmptyRaw = JsonDocument.Parse("{}").RootElement.Clone();

    public static RuleConfig Rule(string name, MatchSpec match, MatchSpec? unless = null, bool stop = false, int index = 0) =>
        new(name, match, unless, Mapping: null, Destination: "ntfy", Topic: "alerts", stop, $"rules[{index}]");

    /// <summary>Compiles rules that must be valid.</summary>
    public static RuleSet Compile(params RuleConfig[] rules)
    {
        var errors = new List<ConfigError>();
        var set = RuleSet.Compile(rules, errors);
        Assert.Empty(errors);
        return set;
    }

    /// <summary>Compiles rules that must be invalid, returning the errors as <c>path: message</c>.</summary>
    public static List<string> Errors(params RuleConfig[] rules)
    {
        var errors = new List<ConfigError>();
        RuleSet.Compile(rules, errors);
        return errors.ConvertAll(e => e.ToString());
    }

    /// <summary>Evaluates a one-rule set and returns its verdict.</summary>
    public static RuleVerdict Verdict(MatchSpec match, BridgeEvent e, MatchSpec? unless = null) =>
        Assert.Single(Compile(Rule("r", match, unless)).Evaluate(e));

    /// <summary>Splits a theory's comma-separated values, so tables can list several per key.</summary>
    public static string[] List(string values) => values.Split(',');

    public static BridgeEvent Event(
        string? action = "login",
        string? clientIp = "192.0.2.10",
        EventUser? user = null,
        string? app = "authentik.events.signals",
        string? model = null,
        string? severity = "notice",
        string source = "authentik") =>
        new(Id: "e1", Source: source, Action: action, Severity: severity, App: app, Model: model, ClientIp: clientIp,
            User: user, Recipient: null, Context: null, Summary: action, Created: null, Raw: EmptyRaw);

    public static EventUser User(string? username, string? email = null, params string[] groups) =>
        new("1", username, email, groups) { HasGroups = true };
}
