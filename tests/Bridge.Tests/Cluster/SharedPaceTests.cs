using System.Net.Http.Json;
using System.Text.Json;
using Bridge.Storage;
using Bridge.Storage.Postgres;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Bridge.Tests.Cluster;

/// <summary>
/// Two bridge hosts on one PostgreSQL database, one fake clock, and one fake ntfy that enforces ntfy's limits (a burst of
/// 60 per client, then one every 5 s, and a daily quota): the hosts pace themselves by one token bucket, so together they
/// keep to ntfy's limit instead of each to its own; a daily quota one of them meets holds the destination for both, and
/// the other moves its own waiting messages to the fallback.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedPaceTests(PostgresServer server)
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The admin-login rule at ntfy's default pace (no rate key).</summary>
    private static readonly string Paced = EndToEndConfigs.AdminLogin.Replace("    rate: none\n", "", StringComparison.Ordinal);

    [Fact]
    public async Task TwoHundredMessagesThroughTwoHostsAreAllDeliveredAtOneBucketsPaceWithoutTooManyRequests()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Noon);
        ntfy.EnforceLimits(time);
        var config = Paced + """

            storage:
              provider: postgres
              connection_string: ${PG_CONNECTION}
            """;
        var options = new TestHostOptions(Time: time, Environment: new Dictionary<string, string> { ["PG_CONNECTION"] = await server.CreateDatabaseAsync() });
        await using var a = await BridgeTestHost.StartAsync(config, ntfy, options: options);
        await using var b = await BridgeTestHost.StartAsync(config, ntfy, options: options);

        // Split across the hosts, as a load balancer would, eight at a time.
        var answers = new List<string>();
        foreach (var chunk in Enumerable.Range(0, 200).Chunk(8))
            answers.AddRange(await Task.WhenAll(chunk.Select(i => LoginHooks.TryPostAsync((i % 2 == 0 ? a : b).Client, i))));
        Assert.All(answers, answer => Assert.Equal("202", answer));
        var all = ntfy.WaitForMessagesAsync(200, TimeSpan.FromMinutes(2));
        await DeliveryClock.RunUntilAsync([a, b], time, all, steps: 5_000);

        Assert.Equal(Enumerable.Range(0, 200).Select(LoginHooks.SequenceId).Order(StringComparer.Ordinal),
            (await all).Select(m => m.Text("sequence_id")!).Order(StringComparer.Ordinal));
        // One bucket for both: the burst of 60 at once, then 140 sends 5 s apart; two buckets would have sent 120 at once.
        Assert.Empty(ntfy.RateLimited);
        Assert.Equal(Noon + TimeSpan.FromSeconds(5 * 140), time.GetUtcNow());
        await DeliveryClock.QuietAsync(a);
        await DeliveryClock.QuietAsync(b);
        Assert.Equal(200, (await a.Store.CountAsync(CancellationToken.None)).Messages["ntfy"].GetValueOrDefault(MessageStatus.Delivered));
    }

    [Fact]
    public async Task ADailyQuotaOneHostMetHoldsTheDestinationOnTheOtherWhichMovesItsOwnMessagesToTheFallback()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var backup = await FakeNtfy.StartAsync(token: null);
        var time = new FakeTimeProvider(Noon);
        ntfy.EnforceLimits(time, dailyQuota: 3);
        await using var data = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        await PostgresMigrations.ApplyAsync(data, default);
        var config = $$"""
            {{EndToEndConfigs.RoomyMappingLimits}}
            destinations:
              ntfy: { url: "${NTFY_URL}", token: "${NTFY_TOKEN}", timeout: 2s, fallback: backup }
              backup: { url: "${BACKUP_URL}" }
            sources:
              authentik: { format: authentik, token: "${HOOK_TOKEN}" }
            rules:
              - { name: admin-login, destination: ntfy, match: { action: login, group: authentik Admins }, mapping: admin-login.js, topic: gauth }
            """;
        // Each host its own queue (SQLite), one destination state in PostgreSQL: what host b moves can only be its own.
        var options = new TestHostOptions(Time: time, WrapStore: store => store with { DestinationStates = new PostgresDestinationStates(data, time) },
            Environment: new Dictionary<string, string> { ["BACKUP_URL"] = backup.Url.ToString() });
        await using var a = await BridgeTestHost.StartAsync(config, ntfy, options: options);
        await using var b = await BridgeTestHost.StartAsync(config, ntfy, options: options);
        // Host b has sent before: it knows the destination as it was then.
        Assert.Equal("202", await LoginHooks.TryPostAsync(b.Client, 100));
        await ntfy.WaitForMessagesAsync(1);
        await DeliveryClock.QuietAsync(b);

        for (var i = 0; i < 4; i++) Assert.Equal("202", await LoginHooks.TryPostAsync(a.Client, i));
        await a.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("HOLDING destination", StringComparison.Ordinal));
        // The quota let two of a's four through; a moved the two it met the quota with.
        var movedByA = await backup.WaitForMessagesAsync(2);
        // Past the second for which host b may answer from what it read before.
        time.Advance(PostgresDestinationStates.Freshness);
        var requests = ntfy.Requests;
        for (var i = 101; i < 103; i++) Assert.Equal("202", await LoginHooks.TryPostAsync(b.Client, i));
        var movedByB = await backup.WaitForMessagesAsync(2);

        // b sent nothing more to ntfy: it found the hold a's 42908 made, and moved its own two to the fallback.
        Assert.Equal(requests, ntfy.Requests);
        Assert.Equal(3, ntfy.Published.Count);
        Assert.Equal(Enumerable.Range(101, 2).Select(LoginHooks.SequenceId).Order(StringComparer.Ordinal), movedByB.Select(m => m.Text("sequence_id")!).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(0, 4).Append(100).Select(LoginHooks.SequenceId).Order(StringComparer.Ordinal),
            ntfy.Published.Concat(movedByA).Select(m => m.Text("sequence_id")!).Order(StringComparer.Ordinal));
        await b.Logs.WaitForAsync(e => e.MessageTemplate.Text.Contains("moved to its fallback", StringComparison.Ordinal));
        Assert.DoesNotContain(b.Logs.Events, e => e.MessageTemplate.Text.StartsWith("HOLDING destination", StringComparison.Ordinal));
        var held = await DestinationAsync(b);
        Assert.Equal("holding", held.GetProperty("pacing").GetString());
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 0, 1, 0, TimeSpan.Zero), held.GetProperty("hold_until").GetDateTimeOffset());
        Assert.Contains("daily message quota", held.GetProperty("hold_reason").GetString(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> DestinationAsync(BridgeTestHost bridge)
    {
        var status = await bridge.Client.GetFromJsonAsync<JsonElement>("/api/status");
        return status.GetProperty("destinations").EnumerateArray().First(d => d.GetProperty("name").GetString() == "ntfy");
    }
}
