using Bridge.Configuration;

namespace Bridge.Tests.Configuration;

/// <summary>The keys of pacing and lanes: a rule's <c>urgent</c>.</summary>
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
}
