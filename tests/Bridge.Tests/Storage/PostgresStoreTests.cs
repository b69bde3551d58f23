using Bridge.Storage;
using Bridge.Storage.Postgres;
using Bridge.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Tests.Storage;

/// <summary>
/// What only the shared engine does: leases that lapse and fence their settlements, migrations that several instances
/// start at once, the database's clock, unavailability while the server is down, and LISTEN/NOTIFY wake-ups.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreTests(PostgresServer server)
{
    [Fact]
    public async Task ALapsedLeaseIsClaimedAgainAndTheFirstHoldersLateSettlementChangesNothing()
    {
        await using var kit = await StoreTestKit.OpenAsync(server);
        await kit.AddMessagesAsync(("t", "s1"));
        var first = Assert.Single(await kit.ClaimAsync(kit.Time.GetUtcNow()));

        kit.Time.Advance(TimeSpan.FromMinutes(1));
        var second = Assert.Single(await kit.ClaimAsync(kit.Time.GetUtcNow()));

        Assert.Equal(first.Message.Id, second.Message.Id);
        Assert.True(second.Fence > first.Fence);
        Assert.Equal(0, await kit.Store.Outbox.SettleAsync([StoreTestKit.Delivered(first, kit.Time.GetUtcNow())], CancellationToken.None));
        await kit.Store.Outbox.ReleaseAsync([first], CancellationToken.None);
        Assert.Equal(0L, await kit.CountAsync("attempts"));
        Assert.Empty(await kit.ClaimAsync(kit.Time.GetUtcNow()));
        Assert.Equal(1, await kit.Store.Outbox.SettleAsync([StoreTestKit.Delivered(second, kit.Time.GetUtcNow())], CancellationToken.None));
        Assert.Equal(1L, await kit.CountAsync("messages", "status = 1"));
    }

    [Fact]
    public async Task AClaimSurvivesARestartOfTheBridgeUntilItsLeaseEnds()
    {
        await using var kit = await StoreTestKit.OpenAsync(server);
        await kit.AddMessagesAsync(("t", "s1"));
        Assert.Single(await kit.ClaimAsync(kit.Time.GetUtcNow()));

        await kit.ReopenAsync();

        Assert.Empty(await kit.ClaimAsync(kit.Time.GetUtcNow()));
        kit.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(await kit.ClaimAsync(kit.Time.GetUtcNow()));
    }

    [Fact]
    public async Task InstancesStartingTogetherMigrateTheSchemaOnce()
    {
        var database = await server.CreateDatabaseAsync();

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => PostgresStore.Open(database, null, notify: false, NullLogger<PostgresStore>.Instance))));

        foreach (var store in stores) await store.DisposeAsync();
        await using var kit = await StoreTestKit.OpenAsync(server);
        Assert.Equal((long)PostgresMigrations.Latest, await Scalar(database, "SELECT COUNT(*) FROM schema_version"));
        Assert.Equal(1L, await Scalar(database, "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'destinations'"));
    }

    [Fact]
    public async Task AVersion1DatabaseMovesItsPendingPriority4And5MessagesToTheHighAndUrgentLanes()
    {
        var database = await server.CreateDatabaseAsync();
        await Scalar(database, "CREATE TABLE schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());"
            + PostgresMigrations.Steps[0] + """
            INSERT INTO schema_version (version) VALUES (1);
            INSERT INTO events (seq, event_id, source, status, received_at, dedupe_key, matched, rules_to_run, verdicts, body, event_json)
                VALUES (1, 'e', 'authentik', 1, now(), 'k', '{r}', '{r}', '[]', '\x7b7d', '\x7b7d');
            INSERT INTO messages (event_seq, rule, idx, destination, topic, body, status, next_attempt_at, created_at, updated_at) VALUES
                (1, 'r', 0, 'ntfy', 't', convert_to('{"topic":"t","priority":3}', 'UTF8'), 0, now(), now(), now()),
                (1, 'r', 1, 'ntfy', 't', convert_to('{"topic":"t","priority":5}', 'UTF8'), 0, now(), now(), now()),
                (1, 'r', 2, 'ntfy', 't', convert_to('{"topic":"t","priority":4}', 'UTF8'), 1, now(), now(), now()),
                (1, 'r', 3, 'ntfy', 't', NULL, 2, now(), now(), now()),
                (1, 'r', 4, 'ntfy', 't', convert_to('{"topic":"t","priority":4}', 'UTF8'), 0, now(), now(), now());
            SELECT 0
            """);

        await using var store = PostgresStore.Open(database, null, notify: false, NullLogger<PostgresStore>.Instance);

        // Pending only: priority 5 to the urgent lane (2), priority 4 to the high one (1); the delivered one stays.
        Assert.Equal(2L, await Scalar(database, "SELECT string_agg(id::text, ',') FROM messages WHERE lane = 2"));
        Assert.Equal(5L, await Scalar(database, "SELECT string_agg(id::text, ',') FROM messages WHERE lane = 1"));
        Assert.Equal((long)PostgresMigrations.Latest, await Scalar(database, "SELECT MAX(version) FROM schema_version"));
    }

    [Fact]
    public async Task OnTheDatabasesClockDueTimesAndLeasesAreTheServersWhateverTheCallersClockSays()
    {
        // The kit's clock is months behind the server's: only offsets from it reach the database.
        await using var kit = await StoreTestKit.OpenAsync(server, databaseClock: true);
        await kit.AddMessagesAsync(("t", "s1"));

        var claimed = Assert.Single(await kit.ClaimAsync(kit.Time.GetUtcNow()));

        Assert.InRange(claimed.Message.CreatedAt, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5));
        Assert.Equal(1L, await kit.CountAsync("messages", "leased_until BETWEEN now() + interval '50 seconds' AND now() + interval '70 seconds'"));
        Assert.Equal(1, await kit.Store.Outbox.SettleAsync([new Settlement(claimed,
            new AttemptRecord(claimed.Message.Id, kit.Time.GetUtcNow(), "failed", 500, null, "HTTP 500", TimeSpan.Zero),
            new MessageUpdate(MessageStatus.Pending, 1, kit.Time.GetUtcNow() + TimeSpan.FromHours(1), "HTTP 500", null))], CancellationToken.None));
        Assert.Equal(1L, await kit.CountAsync("messages", "next_attempt_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes'"));
    }

    [Fact]
    public async Task WhileTheServerIsDownWritesAreUnavailableWithTheReasonAndTheStoreRecoversWhenItIsBack()
    {
        await using var kit = await StoreTestKit.OpenAsync(server);
        Assert.Equal(AcceptStatus.Accepted, (await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event() with { Id = "before" }, "r"), CancellationToken.None)).Status);

        await server.KillAsync();
        AcceptResult during;
        try
        {
            during = await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event() with { Id = "during" }, "r"), CancellationToken.None);
            Assert.NotNull(kit.Store.Health.LastCommitFailure);
            await Assert.ThrowsAsync<StoreUnavailableException>(() => kit.ClaimAsync(kit.Time.GetUtcNow()));
        }
        finally
        {
            await server.StartAsync();
        }

        Assert.Equal(AcceptStatus.Unavailable, during.Status);
        Assert.StartsWith("PostgreSQL: ", during.Reason, StringComparison.Ordinal);
        Assert.Equal(AcceptStatus.Accepted, (await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event() with { Id = "after" }, "r"), CancellationToken.None)).Status);
        Assert.Null(kit.Store.Health.LastCommitFailure);
        Assert.Equal(2L, await kit.CountAsync("events"));
    }

    [Fact]
    public async Task CommittingDueMessagesWakesAListenerOfAnotherInstance()
    {
        await using var kit = await StoreTestKit.OpenAsync(server);
        await using var other = PostgresStore.Open(kit.ConnectionString, kit.Time, notify: true, NullLogger<PostgresStore>.Instance);
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var notifier = new PostgresNotifier((PostgresStore)other.Engine, () => woken.TrySetResult(), TimeProvider.System, NullLogger<PostgresNotifier>.Instance);
        await notifier.StartAsync(CancellationToken.None);
        for (var i = 0; !notifier.Listening && i < 100; i++) await Task.Delay(50);
        Assert.True(notifier.Listening, "the notifier did not start listening within 5 s");

        await kit.AddMessagesAsync(("t", "s1"));

        await woken.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await notifier.StopAsync(CancellationToken.None);
    }

    private static async Task<long> Scalar(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
