using System.Collections;
using System.Reflection;
using Bridge.Configuration;

namespace Bridge.Tests.Configuration;

/// <summary>Config records compare by value, lists and maps included, so reading an unchanged file again changes nothing.</summary>
public sealed class ConfigEqualityTests
{
    // Every key that holds a list or a map, so each list-valued member is read at least once.
    private const string Yaml = """
        server:
          trusted_proxies: [172.18.0.0/16, 10.1.2.3]
        destinations:
          ntfy:
            url: https://ntfy.example.com
            token: tk_equalityequalityequality01
            retry: { schedule: [0s, 5s, 1m] }
          rehearsal: {}
        sources:
          authentik:
            token: [hook-token-new-0001, hook-token-old-0001]
            allow_from: [10.0.0.0/8, "fd00::/8"]
            rate_limit: { requests: 60, per: 1m }
          hook:
            format: json
            action_field: event.type
            auth:
              bearer: [bearer-new-0001, bearer-old-0001]
              query: query-token-0001
              basic: [{ user: a, password: basic-pw-0000001 }, { user: b, password: basic-pw-0000002 }]
              github: { secret: github-secret-0001 }
              standard_webhooks: { secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw }
              hmac: { header: X-Signature, secret: [hmac-secret-00001, hmac-secret-00002] }
        rules:
          - name: admins
            source: authentik
            match: { action: [login, authorize_application], group: authentik Admins, user: "a*", app: "authentik.*", model: authentik_core.user, severity: [alert] }
            unless: { client_ip: [10.0.0.0/8, "fd00::/8"] }
            destination: ntfy
            topic: admins
        """;

    private static BridgeConfig Load(string yaml = Yaml)
    {
        var result = ConfigLoader.Load(yaml, "/etc/bridge/bridge.yaml", "/etc/bridge", new EnvInterpolator(_ => null));
        Assert.Empty(result.Errors);
        return result.Config!;
    }

    [Fact]
    public void TheSameFileReadTwiceGivesEqualConfigsWithEqualHashCodes()
    {
        var first = Load();
        var second = Load();

        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(first.Server, second.Server);
        Assert.Equal(first.Destinations["ntfy"], second.Destinations["ntfy"]);
        Assert.Equal(first.Sources["hook"], second.Sources["hook"]);
    }

    [Theory]
    [InlineData("[0s, 5s, 1m]", "[0s, 5s, 2m]")]
    [InlineData("bearer-old-0001]", "bearer-older-0001]")]
    [InlineData("[172.18.0.0/16, 10.1.2.3]", "[172.18.0.0/16]")]
    [InlineData("severity: [alert]", "severity: [alert, warning]")]
    [InlineData("  rehearsal: {}\n", "")]
    public void AChangeInsideAListOrMapMakesTheConfigsDiffer(string before, string after)
    {
        Assert.NotEqual(Load(), Load(Yaml.Replace(before, after, StringComparison.Ordinal)));
    }

    [Fact]
    public void EveryListOrMapInTheConfigComparesByValue()
    {
        // A list member added without ValueList would compare by reference again: every reload would look like a change.
        var found = new List<string>();
        Walk(Load(), "config", found);

        Assert.Empty(found);
    }

    private static void Walk(object? value, string path, List<string> found)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value is Uri) return;
        if (value is IEnumerable items)
        {
            var type = value.GetType();
            if (!type.IsGenericType || (type.GetGenericTypeDefinition() != typeof(ValueList<>) && type.GetGenericTypeDefinition() != typeof(ValueDictionary<,>)))
                found.Add($"{path} is a {type.Name}");
            var i = 0;
            foreach (var item in items) Walk(item is DictionaryEntry or KeyValuePair<string, DestinationConfig> or KeyValuePair<string, SourceConfig> ? Value(item) : item, $"{path}[{i++}]", found);
            return;
        }
        if (value.GetType().Namespace != typeof(BridgeConfig).Namespace) return;
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && property.Name != "EqualityContract") Walk(property.GetValue(value), $"{path}.{property.Name}", found);
        }
    }

    private static object? Value(object pair) => pair.GetType().GetProperty("Value")!.GetValue(pair);
}
