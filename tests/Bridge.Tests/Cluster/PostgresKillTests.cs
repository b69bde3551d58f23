using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Bridge.Tests.Cluster;

/// <summary>
/// Issue 13's "done when": three bridge processes share one PostgreSQL database; a few thousand events are posted
/// across them and one is SIGKILLed mid-stream. Every accepted event is delivered; the only notifications sent twice
/// are the killed instance's in-flight work, each sent once more by a survivor after its lease lapsed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresKillTests(PostgresServer server, ITestOutputHelper output)
{
    private const int Events = 2000;

    /// <summary>The kill comes once this many events have been answered 202, while the three deliver.</summary>
    private const int KillAfter = 700;

    /// <summary>
    /// Short, so the killed instance's claims lapse within the test (the survivors' wait for them is the recovery), yet
    /// long enough that a survivor's send and its settlement finish within it on a loaded machine.
    /// </summary>
    internal const string Lease = "8s";

    [Fact]
    public async Task ThreeBridgesOnOneDatabaseDeliverEveryAcceptedEventWhenOneIsKilledMidStream()
    {
        await using var cluster = new BridgeCluster(PostgresConfig(EndToEndConfigs.AdminLogin), await EnvironmentAsync(server));
        for (var i = 0; i < 3; i++) await cluster.StartAsync();
        var victim = cluster.Nodes[1];

        var all = Enumerable.Range(0, Events).ToList();
        var killedAt = 0L;
        var accepted = new Dictionary<int, int>(await cluster.PostAsync(all, senders: 12, onAccepted: count =>
        {
            if (count < KillAfter || victim.Killed) return;
            victim.Kill();
            killedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        }));
        Assert.True(victim.Killed, $"only {accepted.Count} events were accepted");
        var sentByVictim = victim.Ntfy.Published.Count;
        // What Authentik does for the events that got no 202 (those the victim was answering, and those sent to it once dead).
        foreach (var (i, node) in await cluster.ResendAsync(all.Where(i => !accepted.ContainsKey(i)), senders: 12)) accepted[i] = node;
        Assert.Equal(Events, accepted.Count);

        var deliveries = await cluster.WaitForDeliveriesAsync(accepted.Keys, TimeSpan.FromSeconds(90));
        var copies = deliveries.GroupBy(d => d.SequenceId).Where(g => g.Count() > 1).ToList();
        output.WriteLine($"everything delivered {System.Diagnostics.Stopwatch.GetElapsedTime(killedAt).TotalSeconds:0.0} s after the kill (lease {Lease})");
        output.WriteLine($"victim accepted {accepted.Count(a => a.Value == victim.Index)} events and sent {sentByVictim} notifications; "
            + $"{copies.Count} sent again; per instance: {string.Join(", ", cluster.Nodes.Select(n => n.Ntfy.Published.Count))}");
        // A notification sent twice was the victim's (on the wire, or answered and not yet committed), sent once more by a survivor.
        var strays = copies.Where(g => g.Count() != 2 || g.Count(d => d.Node == victim.Index) != 1).ToList();
        Assert.True(strays.Count == 0, $"{strays.Count} notifications were sent twice not from the victim's work, e.g. by instances "
            + string.Join("; ", strays.Take(5).Select(g => string.Join(",", g.Select(d => d.Node)))));
        Assert.True(copies.Count <= DuplicateBound, $"{copies.Count} notifications were sent twice");
    }

    /// <summary>The victim's sends on the wire (<c>max_in_flight</c>) plus its attempts answered but not yet committed.</summary>
    private const int DuplicateBound = 64;

    /// <summary>A config on the test's database (<c>${PG_CONNECTION}</c>), with the short <see cref="Lease"/>.</summary>
    internal static string PostgresConfig(string config) =>
        config + $$"""

        storage:
          provider: postgres
          connection_string: ${PG_CONNECTION}
          lease: {{Lease}}
        """;

    /// <summary>A database of the test's own, with a pool as production would have (the fixture's own strings have none).</summary>
    internal static async Task<Dictionary<string, string>> EnvironmentAsync(PostgresServer server)
    {
        var connection = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync()) { Pooling = true, MaxPoolSize = 10 };
        return new Dictionary<string, string> { ["PG_CONNECTION"] = connection.ConnectionString };
    }
}
