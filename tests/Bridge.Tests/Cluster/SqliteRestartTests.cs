using Bridge.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Bridge.Tests.Cluster;

/// <summary>
/// The cluster harness on the embedded store, which one process owns: the bridge is SIGKILLed while events pour in and
/// ntfy takes them, and a new process on the same file finishes the work. Every event answered 202 is delivered; the
/// only copies sent twice are those the killed process had on the wire or answered but not yet committed, and their
/// <c>sequence_id</c> makes ntfy replace the first copy.
/// </summary>
public sealed class SqliteRestartTests(ITestOutputHelper output)
{
    private const int Events = 600;

    /// <summary>The kill comes once this many events have been answered 202, while deliveries are under way.</summary>
    private const int KillAfter = 250;

    [Fact]
    public async Task ABridgeKilledMidStreamAndRestartedOnItsStoreDeliversEveryAcceptedEvent()
    {
        await using var cluster = new BridgeCluster(EndToEndConfigs.AdminLogin);
        var first = await cluster.StartAsync();
        var all = Enumerable.Range(0, Events).ToList();
        var accepted = new Dictionary<int, int>(await cluster.PostAsync(all, senders: 8, onAccepted: count =>
        {
            if (count >= KillAfter && !first.Killed) first.Kill();
        }));
        Assert.True(first.Killed, $"only {accepted.Count} events were accepted:\n{first.Process.Output}");
        var sentBeforeKill = first.Ntfy.Published.Count;

        await cluster.StartAsync();
        // What Authentik does for the events that got no 202: it sends them again.
        foreach (var (i, node) in await cluster.ResendAsync(all.Where(i => !accepted.ContainsKey(i)), senders: 8)) accepted[i] = node;
        Assert.Equal(Events, accepted.Count);

        var deliveries = await cluster.WaitForDeliveriesAsync(accepted.Keys, TimeSpan.FromSeconds(60));
        var copies = deliveries.GroupBy(d => d.SequenceId).Where(g => g.Count() > 1).ToList();
        output.WriteLine($"killed after {accepted.Count(a => a.Value == 0)} accepts and {sentBeforeKill} notifications; {copies.Count} sent again after the restart");
        // A copy sent twice was the killed process's (on the wire, or answered and not yet committed), sent again once by the new one.
        Assert.All(copies, g => Assert.Equal([0, 1], g.Select(d => d.Node).Order()));
        Assert.True(copies.Count <= DuplicateBound, $"{copies.Count} notifications were sent twice");
    }

    /// <summary>
    /// Sends on the wire (<c>max_in_flight</c>) plus attempts answered but waiting for their commit; a commit of the
    /// delivered rows holds one batch, so anything more means committed deliveries were sent again.
    /// </summary>
    private const int DuplicateBound = 64;
}
