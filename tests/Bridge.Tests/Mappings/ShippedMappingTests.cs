using System.Text.RegularExpressions;
using Bridge.Cli;
using Bridge.MappingTests;
using Bridge.Tests.Support;

namespace Bridge.Tests.Mappings;

/// <summary>The library in <c>mappings/</c> passes its own <c>bridge test</c> cases, and none ships without them.</summary>
public sealed partial class ShippedMappingTests
{
    [Fact]
    public void BridgeTestPassesOnTheShippedMappings()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var code = TestCommand.Run(BridgeCli.Create().Parse(["test", "--mappings", TestPaths.Mappings]), output, errors);

        Assert.True(code == 0, $"bridge test failed:\n{output}{errors}");
        var summary = Summary().Match(output.ToString());
        Assert.True(summary.Success, output.ToString());
        Assert.True(int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= ShippedMappings().Count);
    }

    [Fact]
    public void EveryShippedMappingHasTestCases()
    {
        var tested = Directory.EnumerateFiles(Path.Combine(TestPaths.Mappings, TestCommand.TestsFolder), "*.yaml")
            .SelectMany(f => MappingTestReader.Read(f).Cases)
            .Select(c => c.Mapping)
            .ToHashSet(StringComparer.Ordinal);

        var untested = ShippedMappings().Where(m => !tested.Contains(m)).ToList();
        Assert.True(untested.Count == 0, $"no bridge test cases for: {string.Join(", ", untested)}");
    }

    [Theory]
    [InlineData("admin-login.js", "authentik/event-login-admin.json", "authentik", "Admin login: alice.admin")]
    [InlineData("failed-login.js", "authentik/event-login-failed.json", "authentik", "Failed login: alice.admin")]
    [InlineData("failed-login.js", "authentik/default-body-login-failed.json", "authentik", "Failed login: alice.admin")]
    [InlineData("configuration-error.js", "authentik/event-configuration-error.json", "authentik", "Authentik configuration error")]
    [InlineData("model-change.js", "authentik/event-model-updated-with-diff.json", "authentik", "User updated: bob")]
    [InlineData("model-change.js", "authentik/default-body-model-created.json", "authentik", "Application created: Grafana")]
    [InlineData("password-set.js", "authentik/event-password-set.json", "authentik", "Password set: bob")]
    [InlineData("impersonation.js", "authentik/event-impersonation-started.json", "authentik", "Impersonation started: alice.admin")]
    [InlineData("impersonation.js", "authentik/event-impersonation-ended.json", "authentik", "Impersonation ended: alice.admin")]
    [InlineData("admin-failed-login.js", "authentik/event-login-failed.json", "authentik", "Failed admin login: alice.admin")]
    [InlineData("failed-login.js", "authentik/event-login-failed-unknown-user.json", "authentik", "Failed login: root")]
    [InlineData("update-available.js", "authentik/event-update-available.json", "authentik", "Authentik 2026.2.1 is available")]
    [InlineData("update-available.js", "authentik/default-body-update-available.json", "authentik", "Authentik 2026.2.1 is available")]
    [InlineData("transport-test.js", "authentik/default-body-test-notification.json", "authentik", "Authentik can reach you")]
    [InlineData("github-push.js", "github/push.json", "json", "acme/api: 2 commits to main")]
    [InlineData("uptime-kuma.js", "uptime-kuma/monitor-down.json", "json", "Grafana is down")]
    [InlineData("uptime-kuma.js", "uptime-kuma/monitor-up.json", "json", "Grafana is up")]
    public void LibraryMappingsReadTheSamplePayloads(string mapping, string payload, string format, string title)
    {
        using var dir = new TempDirectory();
        var file = dir.Write("case.yaml", $$"""
            mapping: {{mapping}}
            format: {{format}}
            cases: [{ name: sample, payload: "{{Path.Combine(TestPaths.Samples, "payloads", payload)}}", expect: { title: "{{title}}" } }]
            """);
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var code = TestCommand.Run(BridgeCli.Create().Parse(["test", "--mappings", TestPaths.Mappings, file]), output, errors);

        Assert.True(code == 0, $"{output}{errors}");
    }

    private static List<string> ShippedMappings() =>
        [.. Directory.EnumerateFiles(TestPaths.Mappings, "*.js").Select(f => Path.GetFileName(f))];

    [GeneratedRegex(@"(\d+) passed, 0 failed\s*$")]
    private static partial Regex Summary();
}
