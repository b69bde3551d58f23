using System.Net;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Ingest.Limits;

/// <summary>Idle connections are closed after the keep-alive timeout, and one address's connections cannot fill the server for everyone.</summary>
public sealed class ConnectionLimitTests
{
    private static string Config(string limits) => EndToEndConfigs.DryRun("limits: " + limits);

    private const string Health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    [Fact]
    public async Task AnIdleConnectionIsClosedAfterTheKeepAliveTimeout()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ keep_alive_timeout: 1s }"));
        using var raw = await RawHttp.ConnectAsync(bridge.Client.BaseAddress!);

        await raw.SendAsync(Health);
        var answer = await raw.ReadUntilAsync("Healthy");

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        // Kestrel's own default would keep it for 130 s.
        Assert.True(await raw.ClosedByServerAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task IdleConnectionsFromOneAddressDoNotLockOutOthers()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config("{ max_connections: 6, max_connections_per_client: 2 }"));
        var greedy = IPAddress.Parse("127.0.3.1");
        using var first = await RawHttp.ConnectAsync(bridge.Client.BaseAddress!, greedy);
        using var second = await RawHttp.ConnectAsync(bridge.Client.BaseAddress!, greedy);
        await first.SendAsync(Health);
        await second.SendAsync(Health);
        Assert.NotNull(await first.ReadUntilAsync("Healthy"));
        Assert.NotNull(await second.ReadUntilAsync("Healthy"));

        string? refused = null;
        try
        {
            using var third = await RawHttp.ConnectAsync(bridge.Client.BaseAddress!, greedy);
            await third.SendAsync(Health);
            refused = await third.ReadUntilAsync("Healthy");
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The bridge closes the connection as it accepts it: the reset can come while connecting or before the
            // request is sent. An answer is what would fail this test.
        }
        using var other = await RawHttp.ConnectAsync(bridge.Client.BaseAddress!, IPAddress.Parse("127.0.3.2"));
        await other.SendAsync(Health);
        var answered = await other.ReadUntilAsync("Healthy");

        Assert.Null(refused);
        Assert.StartsWith("HTTP/1.1 200", answered, StringComparison.Ordinal);
        await bridge.Logs.WaitForMessageAsync("more than 2 open connections from this address");
    }
}
