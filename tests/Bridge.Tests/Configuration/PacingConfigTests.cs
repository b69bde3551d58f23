using Bridge.Configuration;

namespace Bridge.Tests.Configuration;

/// <summary>The keys of pacing and lanes: a rule's <c>urgent</c>, a destination's <c>rate</c> and <c>fallback</c>.</summary>
public sealed class PacingConfigTests
{
    private static ConfigLoadResult Load(string rule = "", string destination = "", string more = "") => ConfigLoader.Load($$"""
        sources:
          authentik: { token: abc }
        destinations:
          ntfy: { url: "https://ntfy.example.com"{{destination}} }
        {{more}}
        rules:
          - { name: all, destination: ntfy{{rule}} }
        """, "/etc/bridge/bridge.yaml", "/etc/bridge", new EnvInterpolator(_ => null));

    [Theory]
    [InlineData("", false)]
    [InlineData(", urgent: false", false)]
    [InlineData(", urgent: true", true)]
    public void ARuleIsUrgentOnlyWhenItSaysSo(string keys, bool urgent) => Assert.Equal(urgent, Load(keys).Config!.Rules[0].Urgent);

    [Fact]
    public void AnUrgentValueThatIsNoFlagIsAnErrorWithItsPath()
    {
        var error = Assert.Single(Load(", urgent: loud").Errors);

        Assert.Equal(("rules[0].urgent", "\"loud\" is not true or false (line 7)"), (error.Path, error.Message));
    }

    [Theory]
    [InlineData("", 60, 5.0)]
    [InlineData(", rate: { burst: 10 }", 10, 5.0)]
    [InlineData(", rate: { per: 2s }", 60, 2.0)]
    [InlineData(", rate: { burst: 1, per: 500ms }", 1, 0.5)]
    public void ADestinationIsPacedByNtfysDefaultLimitUnlessItSaysOtherwise(string keys, int burst, double perSeconds)
    {
        var rate = Load(destination: keys).Config!.Destinations["ntfy"].Rate!;

        Assert.Equal((burst, TimeSpan.FromSeconds(perSeconds)), (rate.Burst, rate.Per));
    }

    [Fact]
    public void RateNoneLeavesADestinationUnpacedAndADryRunIsNeverPaced()
    {
        Assert.Null(Load(destination: ", rate: none").Config!.Destinations["ntfy"].Pace);
        Assert.Null(new DestinationConfig("d", null, null, TimeSpan.FromSeconds(1), RetryConfig.Default).Pace);
    }

    [Theory]
    [InlineData(", rate: fast", "destinations.ntfy.rate", "\"fast\" is not 'none' or a mapping like { burst: 60, per: 5s }")]
    [InlineData(", rate: { burst: 0 }", "destinations.ntfy.rate.burst", "\"0\" is not a whole number from 1 to 100000")]
    [InlineData(", rate: { per: 2d }", "destinations.ntfy.rate.per", "is longer than 24 h")]
    [InlineData(", rate: { per: soon }", "destinations.ntfy.rate.per", "is not a duration")]
    [InlineData(", rate: { burst: 5, every: 1s }", "destinations.ntfy.rate.every", "")]
    public void ABadRateIsAnErrorWithItsPath(string keys, string path, string text)
    {
        var error = Assert.Single(Load(destination: keys).Errors);

        Assert.Equal(path, error.Path);
        Assert.Contains(text, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFallbackNamesAnotherDestination()
    {
        var config = Load(destination: ", fallback: backup", more: "  backup: { url: \"https://backup.example.com\" }").Config!;

        Assert.Equal("backup", config.Destinations["ntfy"].Fallback);
        Assert.Null(config.Destinations["backup"].Fallback);
    }

    [Theory]
    [InlineData(", fallback: ntfy", "", "names the destination itself")]
    [InlineData(", fallback: nowhere", "", "\"nowhere\" is not a configured destination (configured: ntfy, backup)")]
    [InlineData(", fallback: backup", ", fallback: ntfy", "goes round in a circle (ntfy → backup → ntfy)")]
    public void AFallbackThatCannotTakeTheMessagesIsAnError(string keys, string backupKeys, string text)
    {
        var errors = Load(destination: keys, more: $"  backup: {{ url: \"https://backup.example.com\"{backupKeys} }}").Errors;

        var error = errors.First(e => e.Path == "destinations.ntfy.fallback");
        Assert.Contains(text, error.Message, StringComparison.Ordinal);
    }
}
