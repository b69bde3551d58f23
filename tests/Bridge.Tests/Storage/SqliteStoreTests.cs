using Bridge.Storage;
using Bridge.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Tests.Storage;

/// <summary>The store on a real SQLite file: schema, durability settings, group commits, atomicity, in-memory leases (the behaviour both engines share: StoreContractTests).</summary>
public sealed class SqliteStoreTests
{
    [Fact]
    public async Task FirstOpenCreatesTheFileInWalModeWithFullSyncAtTheLatestSchema()
    {
        await using var kit = await StoreTestKit.OpenAsync();

        Assert.True(File.Exists(kit.Path));
        Assert.Equal("wal", kit.Engine.JournalMode);
        Assert.Equal(2, kit.Engine.Synchronous); // FULL: the WAL is fsynced at every commit, so a commit survives a power cut
        Assert.Equal((long)SqliteMigrations.Latest, SqliteFile.Scalar(kit.Path, "SELECT MAX(version) FROM schema_version"));
    }

    [Fact]
    public async Task CommitsNeverCheckpointTheLogTheCheckpointerBesideTheWriterDoes()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var e = StoreTestKit.Event();

        // Inside a commit, a checkpoint would make every request waiting for it wait for the copy and its fsync too.
        Assert.Equal(0L, await kit.Engine.WriteAsync((c, tx) => (long)SqliteSql.Scalar(c, tx, "PRAGMA wal_autocheckpoint")!));
        Assert.Equal(0, kit.Engine.Checkpoints);
        // Each event writes several pages; 400 commits pass the 1,000-page threshold whatever the page reuse.
        for (var i = 0; i < 400; i++)
            Assert.Equal(AcceptStatus.Accepted, (await kit.Store.Events.AcceptEventAsync(kit.New(e with { Id = $"e{i}" }, "r"), CancellationToken.None)).Status);

        for (var wait = 0; kit.Engine.Checkpoints == 0 && wait < 200; wait++) await Task.Delay(50);
        Assert.True(kit.Engine.Checkpoints > 0, "no checkpoint ran after 400 commits");
        // What was checkpointed is in the database file itself: another connection that ignores the log sees the events.
        var copy = Path.Combine(Path.GetDirectoryName(kit.Path)!, "copy.db");
        File.Copy(kit.Path, copy);
        Assert.True((long)SqliteFile.Scalar(copy, "SELECT COUNT(*) FROM events")! > 0);
    }

    [Fact]
    public async Task ReopeningKeepsTheDataAndAppliesNoMigrationTwice()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var accepted = await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event(), "admin-login"), CancellationToken.None);

        await kit.ReopenAsync();

        Assert.Equal((long)SqliteMigrations.Latest, SqliteFile.Count(kit.Path, "schema_version"));
        var pending = Assert.Single(await kit.Store.Events.GetUnprocessedEventsAsync(0, 10, CancellationToken.None));
        Assert.Equal(accepted.Seq, pending.Seq);
        Assert.Equal(["admin-login"], pending.RulesToRun);
    }

    [Fact]
    public async Task AVersion2FileKeepsItsPendingMessagesWithTheirSequenceIdsAndDropsTheClaimColumn()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "bridge.db");
        SqliteFile.AtVersion(path, 2, """
            INSERT INTO events (event_id, source, status, received_at, dedupe_key, matched, rules_to_run, verdicts, body, event_json)
                VALUES ('e', 'authentik', 1, 0, 'k', ',r,', '["r"]', '[]', X'7B7D', X'7B7D');
            INSERT INTO messages (event_seq, rule, idx, destination, topic, body, status, next_attempt_at, created_at, updated_at, claimed_until)
                VALUES (1, 'r', 0, 'ntfy', 't', CAST('{"topic":"t","sequence_id":"br01"}' AS BLOB), 0, 0, 0, 0, 99);
            """);

        await using var store = SqliteStore.Open(path, TimeProvider.System, NullLogger<SqliteStore>.Instance);

        Assert.Equal("br01", SqliteFile.Scalar(path, "SELECT sequence_id FROM messages"));
        Assert.Equal(0L, SqliteFile.Count(path, "pragma_table_info('messages')", "name = 'claimed_until'"));
        Assert.Single(await store.Outbox.ClaimAsync("ntfy", ClaimOrder.BySequence, DateTimeOffset.UtcNow, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
    }

    [Fact]
    public async Task AVersion4FileKeepsItsEventsWithTheirBodiesInATableOfTheirOwn()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "bridge.db");
        SqliteFile.AtVersion(path, 4, """
            INSERT INTO events (event_id, source, status, received_at, dedupe_key, matched, rules_to_run, verdicts, body, event_json)
                VALUES ('done', 'authentik', 1, 0, 'k1', ',r,', '["r"]', '[{"rule":"r"}]', CAST('{"pk":"done"}' AS BLOB), CAST('{"id":"done"}' AS BLOB)),
                       ('todo', 'authentik', 0, 1, 'k2', ',r,', '["r"]', '[]', CAST('{"pk":"todo"}' AS BLOB), CAST('{"id":"todo"}' AS BLOB));
            INSERT INTO messages (event_seq, rule, idx, destination, topic, body, status, next_attempt_at, created_at, updated_at, sequence_id)
                VALUES (1, 'r', 0, 'ntfy', 't', CAST('{"topic":"t"}' AS BLOB), 0, 0, 0, 0, NULL);
            INSERT INTO attempts (message_id, at, outcome, http_status, detail, duration_ms) VALUES (1, 5, 'failed', 503, 'down', 7);
            """);

        await using var store = SqliteStore.Open(path, TimeProvider.System, NullLogger<SqliteStore>.Instance);

        Assert.Equal(0L, SqliteFile.Count(path, "pragma_table_info('events')", "name IN ('body', 'event_json', 'verdicts')"));
        Assert.Equal(2L, SqliteFile.Count(path, "event_data"));
        var todo = Assert.Single(await store.Events.GetUnprocessedEventsAsync(0, 10, CancellationToken.None));
        Assert.Equal(("todo", 2L), (todo.EventId, todo.Seq));
        Assert.Equal("""{"pk":"todo"}""", System.Text.Encoding.UTF8.GetString(todo.Body));
        Assert.Equal("""{"id":"todo"}""", System.Text.Encoding.UTF8.GetString(todo.EventJson));
        var done = Assert.Single(await store.Admin.GetEventsAsync("done", null, CancellationToken.None));
        Assert.Equal("""[{"rule":"r"}]""", done.VerdictsJson);
        var claimed = Assert.Single(await store.Outbox.ClaimAsync("ntfy", ClaimOrder.BySequence, DateTimeOffset.UtcNow, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal("done", claimed.Message.EventId);
        Assert.Equal("down", Assert.Single(await store.Admin.GetAttemptsAsync(1, CancellationToken.None)).Detail);
        Assert.Equal(0L, SqliteFile.Count(path, "sqlite_schema", "name = 'attempts' AND sql LIKE '%AUTOINCREMENT%'"));
        // A new event's sequence number follows the migrated ones (AUTOINCREMENT kept).
        var e = StoreTestKit.Event();
        var accepted = await store.Events.AcceptEventAsync(new NewEvent(e, [new Bridge.Rules.RuleVerdict("r", true, null)],
            DedupeKeys.For(e, Bridge.Configuration.SourceFormat.Authentik), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(10)), CancellationToken.None);
        Assert.Equal(3L, accepted.Seq);
    }

    [Fact]
    public async Task AVersion5FileKeepsItsAttemptsInOrderAndItsDeadLettersFindable()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "bridge.db");
        SqliteFile.AtVersion(path, 5, """
            INSERT INTO events (event_id, source, status, received_at, dedupe_key, matched, rules_to_run)
                VALUES ('e', 'authentik', 1, 0, 'k', ',r,', '["r"]');
            INSERT INTO event_data (seq, body, event_json, verdicts) VALUES (1, X'7B7D', X'7B7D', '[]');
            INSERT INTO messages (event_seq, rule, idx, destination, topic, body, status, attempts, next_attempt_at, created_at, updated_at, dead_reason)
                VALUES (1, 'r', 0, 'ntfy', 't', X'7B7D', 2, 2, 0, 0, 0, 'gave up'), (1, 'r', 1, 'ntfy', 't', X'7B7D', 1, 1, 0, 0, 0, NULL);
            INSERT INTO attempts (id, message_id, at, outcome, http_status, detail, duration_ms)
                VALUES (7, 1, 5, 'failed', 503, 'first', 7), (8, 2, 6, 'delivered', 200, 'other', 7), (9, 1, 8, 'failed', 503, 'second', 7);
            """);

        await using var store = SqliteStore.Open(path, TimeProvider.System, NullLogger<SqliteStore>.Instance);

        Assert.Equal(0L, SqliteFile.Count(path, "sqlite_schema", "name IN ('messages_status', 'attempts_message')"));
        Assert.Equal(["first", "second"], (await store.Admin.GetAttemptsAsync(1, CancellationToken.None)).Select(a => a.Detail));
        var dead = Assert.Single((await store.Admin.ListMessagesAsync(new MessageFilter(Status: MessageStatus.Dead), null, 10, CancellationToken.None)).Items);
        Assert.Equal(1L, dead.Id);
        Assert.Equal(1, await store.Admin.ReplayAsync(new MessageFilter(), DateTimeOffset.UtcNow, CancellationToken.None));
        // The replayed message's next attempt is numbered after its migrated ones.
        var claimed = Assert.Single(await store.Outbox.ClaimAsync("ntfy", ClaimOrder.BySequence, DateTimeOffset.UtcNow, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(1, await store.Outbox.SettleAsync([new Settlement(claimed, new AttemptRecord(1, now, "delivered", 200, null, "third", TimeSpan.Zero),
            new MessageUpdate(MessageStatus.Delivered, 1, now, null, null))], CancellationToken.None));
        Assert.Equal(["first", "second", "third"], (await store.Admin.GetAttemptsAsync(1, CancellationToken.None)).Select(a => a.Detail));
        Assert.Equal(10L, SqliteFile.Scalar(path, "SELECT id FROM attempts WHERE detail = 'third'"));
    }

    [Fact]
    public async Task AFileFromANewerBridgeIsRefusedWithTheReason()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        SqliteFile.Execute(kit.Path, $"INSERT INTO schema_version VALUES ({SqliteMigrations.Latest + 1}, 0)");

        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(kit.ReopenAsync);

        Assert.Contains("newer than this bridge knows", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACorruptFileIsRefusedWithTheReasonAndReleasedForTheNextTry()
    {
        using var directory = new TempDirectory();
        var path = directory.Write(Path.Combine("data", "bridge.db"), new string('x', 8192));
        var time = TimeProvider.System;
        var failure = Assert.Throws<StoreUnavailableException>(() => SqliteStore.Open(path, time, NullLogger<SqliteStore>.Instance));

        Assert.Contains("cannot open the store", failure.Message, StringComparison.Ordinal);
        Assert.Contains("not a database", failure.Message, StringComparison.Ordinal);
        File.Delete(path);
        await using var fresh = SqliteStore.Open(path, time, NullLogger<SqliteStore>.Instance);
    }

    [Fact]
    public async Task ASecondStoreOnTheSameFileIsRefusedSoNoMessageIsSentTwice()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var failure = Assert.Throws<StoreUnavailableException>(() => SqliteStore.Open(kit.Path, kit.Time, NullLogger<SqliteStore>.Instance));

        Assert.Contains("another bridge process is using the store", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptedEventIsOnDiskWithBodyEventJsonAndDedupeKeyWhenTheCallReturns()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var e = StoreTestKit.Event();

        var result = await kit.Store.Events.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);

        Assert.Equal(AcceptStatus.Accepted, result.Status);
        Assert.Equal(1L, SqliteFile.Count(kit.Path, "events_full", $"seq = {result.Seq} AND event_id = '{e.Id}' AND length(body) > 100 AND length(event_json) > 100"));
        Assert.Equal(1L, SqliteFile.Count(kit.Path, "dedupe", $"key = 'id:authentik:{e.Id}' AND rule = 'admin-login'"));
    }

    [Fact]
    public async Task AWriteThatFailsLeavesNothingHalfWrittenAndOthersInTheBatchCommit()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        // The event row goes in first and the de-duplication key after it: failing the second must take the first with it.
        SqliteFile.Execute(kit.Path, "CREATE TRIGGER fail_key BEFORE INSERT ON dedupe WHEN NEW.rule = 'breaks' BEGIN SELECT RAISE(FAIL, 'disk full (simulated)'); END");

        var results = await Task.WhenAll(
            kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event("event-login-user.json"), "works"), CancellationToken.None),
            kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event(), "breaks"), CancellationToken.None));

        Assert.Equal(AcceptStatus.Accepted, results[0].Status);
        Assert.Equal(AcceptStatus.Unavailable, results[1].Status);
        Assert.Contains("disk full (simulated)", results[1].Reason, StringComparison.Ordinal);
        Assert.Equal(1L, SqliteFile.Count(kit.Path, "events"));
        Assert.Equal(0L, SqliteFile.Count(kit.Path, "dedupe", "rule = 'breaks'"));
    }

    [Fact]
    public async Task TheWritersReusedStatementsWorkAfterTheSchemaChangedUnderThemAndAfterOneFailed()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var e = StoreTestKit.Event();
        Task<AcceptResult> Accept(string id, string rule) => kit.Store.Events.AcceptEventAsync(kit.New(e with { Id = id }, rule), CancellationToken.None);

        Assert.Equal(AcceptStatus.Accepted, (await Accept("e1", "r")).Status);
        // Another connection changes the schema under the writer's prepared statements, then one of them fails midway.
        SqliteFile.Execute(kit.Path, "CREATE TRIGGER fail_key BEFORE INSERT ON dedupe WHEN NEW.rule = 'breaks' BEGIN SELECT RAISE(FAIL, 'simulated'); END");
        Assert.Equal(AcceptStatus.Unavailable, (await Accept("e2", "breaks")).Status);
        Assert.Equal(AcceptStatus.Accepted, (await Accept("e3", "r")).Status);

        Assert.Equal(["e1", "e3"], (await kit.Store.Events.GetUnprocessedEventsAsync(0, 10, CancellationToken.None)).Select(p => p.EventId));
        Assert.Equal(0L, SqliteFile.Count(kit.Path, "dedupe", "rule = 'breaks'"));
    }

    [Fact]
    public async Task ConcurrentAcceptsShareCommits()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var e = StoreTestKit.Event();

        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            Task.Run(() => kit.Store.Events.AcceptEventAsync(kit.New(e with { Id = $"e{i}" }, "r"), CancellationToken.None))));

        Assert.All(results, r => Assert.Equal(AcceptStatus.Accepted, r.Status));
        Assert.Equal(300L, SqliteFile.Count(kit.Path, "events"));
        var (commits, writes) = kit.Engine.CommitStats;
        Assert.Equal(300, writes);
        Assert.True(commits < writes, $"{commits} commits for {writes} writes: no batching happened");
    }

    [Fact]
    public async Task AClaimWritesNothingAndItsLeaseEndsWithTheProcessSoTheMessageIsPendingAfterARestart()
    {
        // Changed contract: the lease lived in a claimed_until column; one process owns the file, so it lives in memory now.
        await using var kit = await StoreTestKit.OpenAsync();
        var now = kit.Time.GetUtcNow();
        await kit.AddMessagesAsync(("t", "s1"));
        const string Row = "SELECT group_concat(id || ':' || status || ':' || attempts || ':' || next_attempt_at || ':' || updated_at) FROM messages";
        var before = SqliteFile.Scalar(kit.Path, Row);

        Assert.Single(await kit.ClaimAsync(now));
        Assert.Empty(await kit.ClaimAsync(now));
        Assert.Equal(before, SqliteFile.Scalar(kit.Path, Row));

        await kit.ReopenAsync();

        Assert.Single(await kit.ClaimAsync(now));
    }

    [Fact]
    public async Task ManySettlementsCommitInOneTransaction()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var now = kit.Time.GetUtcNow();
        await kit.AddMessagesAsync([.. Enumerable.Range(0, 20).Select(i => ("t", (string?)$"s{i}"))]);
        var claimed = await kit.ClaimAsync(now, 20);
        var (commits, _) = kit.Engine.CommitStats;

        Assert.Equal(20, await kit.Store.Outbox.SettleAsync([.. claimed.Select(l => StoreTestKit.Delivered(l, now))], CancellationToken.None));

        Assert.Equal(commits + 1, kit.Engine.CommitStats.Commits);
        Assert.Equal(20L, SqliteFile.Count(kit.Path, "messages", "status = 1"));
    }
}
