using Bridge.Configuration;
using Bridge.Ingest.Limits;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Bridge.Tests.Ingest.Limits;

public sealed class KestrelLimitsTests
{
    [Fact]
    public void EveryServerLimitIsApplied()
    {
        var server = new KestrelServerLimits();
        var limits = new IngestLimitsConfig(2048, 16, 8192, TimeSpan.FromSeconds(3), 500, 4, 50, null);

        KestrelLimits.Apply(server, limits);

        Assert.Equal(2048, server.MaxRequestBodySize);
        Assert.Equal(8192, server.MaxRequestHeadersTotalSize);
        Assert.Equal(TimeSpan.FromSeconds(3), server.RequestHeadersTimeout);
        Assert.Equal(500, server.MinRequestBodyDataRate!.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(5), server.MinRequestBodyDataRate.GracePeriod);
        Assert.Equal(50, server.MaxConcurrentConnections);
    }

    [Fact]
    public void AZeroBodyRateTurnsTheCheckOff()
    {
        var server = new KestrelServerLimits();

        KestrelLimits.Apply(server, IngestLimitsConfig.Default with { MinBodyRate = 0 });

        Assert.Null(server.MinRequestBodyDataRate);
    }
}
