using Bridge.Cli;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Cli;

/// <summary><c>bridge status</c> and <c>bridge replay</c> against a running bridge, through the real parser.</summary>
public sealed class AdminCliTests : IDisposable
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose()
    {
        _out.Dispose();
        _err.Dispose();
    }

    [Fact]
    public async Task StatusShowsTheQueueAndEachDestinationsHealth()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);
        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));
        await ntfy.WaitForMessagesAsync(1);
        await bridge.Logs.WaitForMessageAsync("Delivered message");

        var exit = await StatusCommand.RunAsync(BridgeCli.Create().Parse(["status", "--url", bridge.Client.BaseAddress!.ToString()]), _out, _err, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Contains("messages: 0 pending, 1 delivered, 0 dead", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains("destination ntfy: healthy", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayAllDeadSendsThemAgainAndStatusReportsDeadUntilThen()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);
        ntfy.FailNext(400, code: 40009, error: "invalid request: topic invalid");
        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));
        await bridge.Logs.WaitForMessageAsync("ntfy rejected message");
        var url = bridge.Client.BaseAddress!.ToString();

        Assert.Equal(2, await StatusCommand.RunAsync(BridgeCli.Create().Parse(["status", "--url", url]), _out, _err, CancellationToken.None));
        var exit = await ReplayCommand.RunAsync(BridgeCli.Create().Parse(["replay", "--all-dead", "--url", url]), _out, _err, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Contains("replayed 1 message", _out.ToString(), StringComparison.Ordinal);
        Assert.Single(await ntfy.WaitForMessagesAsync(1));
    }

    [Fact]
    public async Task ReplayNeedsExactlyOneOfIdAndAllDead()
    {
        Assert.Equal(1, await ReplayCommand.RunAsync(BridgeCli.Create().Parse(["replay", "--url", "http://127.0.0.1:1"]), _out, _err, CancellationToken.None));
        Assert.Contains("either --id ID or --all-dead", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableBridgeIsReportedNotThrown()
    {
        var exit = await StatusCommand.RunAsync(BridgeCli.Create().Parse(["status", "--url", "http://127.0.0.1:1"]), _out, _err, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Contains("cannot reach the bridge", _err.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080")]
    [InlineData("http://[::]:9000;http://0.0.0.0:9001", "http://127.0.0.1:9000")]
    [InlineData("http://10.0.0.5:8080", "http://10.0.0.5:8080")]
    public void TheAdminUrlComesFromTheListenUrlsWithWildcardsAsLoopback(string urls, string expected)
    {
        Assert.Equal(expected, AdminClient.LocalUrl(urls));
    }
}
