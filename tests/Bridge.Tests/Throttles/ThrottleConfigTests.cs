using Bridge.Configuration;

namespace Bridge.Tests.Throttles;

public sealed class ThrottleConfigTests
{
    private static ConfigLoadResult Load(string throttle, string extra = "") => ConfigLoader.Load($$"""
        sources:
          authentik: { token: abc }
        destinations:
          ntfy: { url: "https://ntfy.example.com" }
        rules:
          - name: failed-login
            match: { action: login_failed }
            throttle: {{throttle}}{{extra}}
        """, "/etc/bridge/bridge.yaml", "/etc/bridge", new EnvInterpolator(_ => null));

    [Fact]
    public void EverySettingIsReadAndByIsOptional()
    {
        Assert.Equal(new ThrottleConfig(5, TimeSpan.FromMinutes(10), ["user.username", "client_ip"]),
            Assert.Single(Load("{ max: 5, per: 10m, by: [user.username, client_ip] }").Config!.Rules).Throttle);
        Assert.Equal(new ThrottleConfig(1, TimeSpan.FromHours(1), []), Assert.Single(Load("{ max: 1, per: 1h }").Config!.Rules).Throttle);
    }

    [Theory]
    [InlineData("{ per: 10m }", "rules[0].throttle.max: required: how many events of each period are sent one by one")]
    [InlineData("{ max: 0, per: 10m }", "rules[0].throttle.max: \"0\" is not a whole number from 1 to 100000")]
    [InlineData("{ max: five, per: 10m }", "rules[0].throttle.max: \"five\" is not a whole number from 1 to 100000")]
    [InlineData("{ max: 5 }", "rules[0].throttle.per: required: the period, e.g. 10m")]
    [InlineData("{ max: 5, per: 1s }", "rules[0].throttle.per: 1s is too short (at least 10000 ms)")]
    [InlineData("{ max: 5, per: soon }", "rules[0].throttle.per: \"soon\" is not a duration")]
    [InlineData("{ max: 5, per: 25h }", "rules[0].throttle.per: 90000 s is longer than a day")]
    [InlineData("{ max: 5, per: 10m, by: [usr] }", "rules[0].throttle.by: \"usr\" is not an event field to throttle by; use one of source, action")]
    [InlineData("{ max: 5, per: 10m, by: [] }", "rules[0].throttle.by: empty list: name at least one event field")]
    [InlineData("{ max: 5, per: 10m, window: 5m }", "rules[0].throttle.window: unknown key (known keys: max, per, by)")]
    [InlineData("5 per 10m", "rules[0].throttle: must be a mapping of keys to values")]
    public void AWrongThrottleIsRefusedWithItsPathAndWhy(string throttle, string expected)
    {
        var result = Load(throttle);

        Assert.Null(result.Config);
        Assert.StartsWith(expected, Assert.Single(result.Errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AGroupAndAThrottleOnOneRuleAreRefusedSayingWhy()
    {
        var result = Load("{ max: 5, per: 10m }", "\n    group: { by: [context.username] }");

        Assert.Null(result.Config);
        Assert.StartsWith("rules[0].throttle: group and throttle on one rule: a group already keeps a storm to one card", Assert.Single(result.Errors).ToString(), StringComparison.Ordinal);
    }
}
