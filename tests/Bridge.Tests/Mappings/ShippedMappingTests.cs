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

    private static List<string> ShippedMappings() =>
        [.. Directory.EnumerateFiles(TestPaths.Mappings, "*.js").Select(f => Path.GetFileName(f))];

    [GeneratedRegex(@"(\d+) passed, 0 failed\s*$")]
    private static partial Regex Summary();
}
