using Bridge.Configuration;

namespace Bridge.Tests.Incidents;

public sealed class GroupConfigTests
{
    private static ConfigLoadResult Load(string group) => ConfigLoader.Load($$"""
        sources:
          authentik: { token: abc }
        destinations:
          ntfy: { url: "https://ntfy.example.com" }
        rules:
          - name: failed-login
            match: { action: login_failed }
            group: {{group}}
        """, "/etc/bridge/bridge.yaml", "/etc/bridge", new EnvInterpolator(_ => null));

    [Fact]
    public void AGroupGetsTheDocumentedDefaults()
    {
        var rule = Assert.Single(Load("{ by: context.username }").Config!.Rules);

        Assert.Equal(new GroupConfig(["context.username"], TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.Zero), rule.Group);
    }

    [Fact]
    public void EverySettingIsRead()
    {
        var rule = Assert.Single(Load("{ by: [user.username, client_ip], window: 10m, interval: 1m, wait: 5s }").Config!.Rules);

        Assert.Equal(new GroupConfig(["user.username", "client_ip"], TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5)), rule.Group);
    }

    [Theory]
    [InlineData("{ window: 5m }", "rules[0].group.by: required: the event fields whose values make a group")]
    [InlineData("{ by: [] }", "rules[0].group.by: empty list: name at least one event field")]
    [InlineData("{ by: [usr, client_ip] }", "rules[0].group.by[0]: \"usr\" is not an event field to group by; use one of source, action")]
    [InlineData("{ by: context. }", "rules[0].group.by: \"context.\" is not an event field to group by")]
    [InlineData("{ by: [client_ip, client_ip] }", "rules[0].group.by[1]: \"client_ip\" is named twice")]
    [InlineData("{ by: client_ip, window: soon }", "rules[0].group.window: \"soon\" is not a duration")]
    [InlineData("{ by: client_ip, interval: 100ms }", "rules[0].group.interval: 100ms is too short (at least 1000 ms)")]
    [InlineData("{ by: client_ip, window: 1m, interval: 2m }", "rules[0].group.interval: 120 s is longer than the window (60 s): the group would close before its first update")]
    [InlineData("{ by: client_ip, window: 1m, wait: 1m }", "rules[0].group.wait: 60 s is not shorter than the window (60 s)")]
    [InlineData("{ by: client_ip, repeat: 1h }", "rules[0].group.repeat: unknown key (known keys: by, window, interval, wait)")]
    [InlineData("by-ip", "rules[0].group: must be a mapping of keys to values")]
    public void AWrongGroupIsRefusedWithItsPathAndWhy(string group, string expected)
    {
        var result = Load(group);

        Assert.Null(result.Config);
        var error = Assert.Single(result.Errors).ToString();
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}
