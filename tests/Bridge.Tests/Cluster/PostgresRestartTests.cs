using System.Net;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;
using Xunit.Abstractions;

namespace Bridge.Tests.Cluster;

/// <summary>
/// PostgreSQL crashes mid-run (<c>pg_ctl -m immediate</c>) under a bridge that is taking events: while it is down
/// hooks answer 503 (problem+json, so the sender keeps the event) and <c>/readyz</c> is unready; once it is back the
/// bridge is ready again by itself and nothing it accepted is lost.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRestartTests(PostgresServer server, ITestOutputHelper output)
{
    private const int Events = 300;

    [Fact]
    public async Task WhilePostgresIsDownHooksAnswer503AndOnceItIsBackTheBridgeRecoversByItselfLosingNothing()
    {
        await using var cluster = new BridgeCluster(PostgresKillTests.PostgresConfig(EndToEndConfigs.AdminLogin), await PostgresKillTests.EnvironmentAsync(server));
        var bridge = await cluster.StartAsync();
        // The crash comes while events are being posted and delivered; the posts after it get no 202.
        var crash = new Lazy<Task>(server.KillAsync);
        var accepted = new HashSet<int>((await cluster.PostAsync([.. Enumerable.Range(0, Events)], senders: 4, onAccepted: count =>
        {
            if (count >= Events / 3) _ = crash.Value;
        })).Keys);
        try
        {
            await crash.Value;
            Assert.InRange(accepted.Count, Events / 3, Events - 1);
            using var request = LoginHooks.Request(Events);
            using var refused = await bridge.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await bridge.Client.GetAsync("/readyz")).StatusCode);
        }
        finally
        {
            await server.StartAsync();
        }
        await WaitUntilReadyAsync(bridge);

        // The sender retries what got no 202, and sends the rest.
        foreach (var i in (await cluster.ResendAsync(Enumerable.Range(0, Events).Where(i => !accepted.Contains(i)), senders: 4)).Keys) accepted.Add(i);
        Assert.Equal(Events, accepted.Count);
        var deliveries = await cluster.WaitForDeliveriesAsync(accepted, TimeSpan.FromSeconds(60));
        output.WriteLine($"{Events} events delivered in {deliveries.Count} notifications");
    }

    /// <summary>Asks <c>/readyz</c> until it says ready: what the bridge reports, a bounded number of times.</summary>
    private static async Task WaitUntilReadyAsync(ClusterNode node)
    {
        for (var i = 0; i < 300; i++)
        {
            using var ready = await node.Client.GetAsync("/readyz");
            if (ready.StatusCode == HttpStatusCode.OK) return;
            // Between two looks; the bridge says when it is ready, nothing here assumes how long that takes.
            await Task.Delay(100);
        }
        Assert.Fail("the bridge did not become ready again after PostgreSQL came back:\n" + node.Process.Output);
    }
}
