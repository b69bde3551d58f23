using Bridge.Configuration;

namespace Bridge.Tests.Configuration;

/// <summary>A destination's <c>max_in_flight</c> and <c>ordered</c>: their defaults, their range, and what <c>strict</c> implies.</summary>
public sealed class DeliveryOrderConfigTests
{
    private static ConfigLoadResult Load(string destination) => ConfigLoader.Load($$"""
        sources:
          authentik: { token: abc }
        destinations:
          ntfy: { url: "https://ntfy.example.com"{{destination}} }
        rules:
          - name: all
        """, "/etc/bridge/bridge.yaml", "/etc/bridge", new EnvInterpolator(_ => null));

    [Theory]
    [InlineData("", 16, false)]
    [InlineData(", max_in_flight: 4", 4, false)]
    [InlineData(", ordered: sequence", 16, false)]
    [InlineData(", ordered: strict", 1, true)]
    [InlineData(", ordered: strict, max_in_flight: 8", 1, true)]
    public void SendsAtOnceAndOrderAreReadWithTheirDefaults(string keys, int maxInFlight, bool strict)
    {
        var ntfy = Load(keys).Config!.Destinations["ntfy"];

        Assert.Equal((maxInFlight, strict), (ntfy.MaxInFlight, ntfy.StrictOrder));
    }

    [Theory]
    [InlineData(", ordered: random", "destinations.ntfy.ordered", "not one of sequence, strict")]
    [InlineData(", max_in_flight: 0", "destinations.ntfy.max_in_flight", "")]
    [InlineData(", max_in_flight: 1000", "destinations.ntfy.max_in_flight", "")]
    public void OutOfRangeValuesAreErrorsWithTheirPath(string keys, string path, string text)
    {
        var result = Load(keys);

        Assert.Null(result.Config);
        var error = Assert.Single(result.Errors);
        Assert.Contains(path, error.ToString(), StringComparison.Ordinal);
        Assert.Contains(text, error.ToString(), StringComparison.Ordinal);
    }
}
