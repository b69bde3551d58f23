using Bridge.Storage;
using Bridge.Tests.Support;

namespace Bridge.Tests.Storage;

/// <summary>The store on a real SQLite file: schema, durability settings, commits, de-duplication, atomicity.</summary>
public sealed class SqliteBridgeStoreTests
{
    [Fact]
    public async Task FirstOpenCreatesTheFileInWalModeWithFullSyncAtTheLatestSchema()
    {
        await using var kit = await StoreTestKit.OpenAsync();

        Assert.True(File.Exists(kit.Path));
        Assert.Equal("wal", kit.Store.JournalMode);
        Assert.Equal(2, kit.Store.Synchronous); // FULL: the WAL is fsynced at every commit, so a commit survives a power cut
        Assert.Equal((long)SqliteMigrations.Latest, SqliteFile.Scalar(kit.Path, "SELECT MAX(version) FROM schema_version"));
    }

    [Fact]
    public async Task ReopeningKeepsTheDataAndAppliesNoMigrationTwice()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var accepted = await kit.Store.AcceptEventAsync(kit.New(StoreTestKit.Event(), "admin-login"), CancellationToken.None);

        await kit.ReopenAsync();

        Assert.Equal((long)SqliteMigrations.Latest, SqliteFile.Count(kit.Path, "schema_version"));
        var pending = Assert.Single(await kit.Store.GetUnprocessedEventsAsync(0, 10, CancellationToken.None));
        Assert.Equal(accepted.Seq, pending.Seq);
        Assert.Equal(["admin-login"], pending.RulesToRun);
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
        await using var store = new SqliteBridgeStore(path, time, Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteBridgeStore>.Instance);

        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.OpenAsync(CancellationToken.None));

        Assert.Contains("cannot open the store", failure.Message, StringComparison.Ordinal);
        Assert.Contains("not a database", failure.Message, StringComparison.Ordinal);
        File.Delete(path);
        await using var fresh = new SqliteBridgeStore(path, time, Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteBridgeStore>.Instance);
        await fresh.OpenAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ASecondStoreOnTheSameFileIsRefusedSoNoMessageIsSentTwice()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        await using var second = new SqliteBridgeStore(kit.Path, kit.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteBridgeStore>.Instance);

        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => second.OpenAsync(CancellationToken.None));

        Assert.Contains("another bridge process is using the store", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptedEventIsOnDiskWithBodyEventJsonAndDedupeKeyWhenTheCallReturns()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var e = StoreTestKit.Event();

        var result = await kit.Store.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);

        Assert.Equal(AcceptStatus.Accepted, result.Status);
        Assert.Equal(1L, SqliteFile.Count(kit.Path, "events", $"seq = {result.Seq} AND event_id = '{e.Id}' AND length(body) > 100 AND length(event_json) > 100"));
        Assert.Equal(1L, SqliteFile.Count(kit.Path, "dedupe", $"key = 'id:authentik:{e.Id}' AND rule = 'admin-login'"));
    }

    [Fact]
    public async Task ACopyWithinTheWindowIsADuplicateAndACopyAfterItIsNot()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var e = StoreTestKit.Event();
        var first = await kit.Store.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);

        kit.Time.Advance(TimeSpan.FromMinutes(9));
        var copy = await kit.Store.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);
        kit.Time.Advance(TimeSpan.FromMinutes(2));
        var late = await kit.Store.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);

        Assert.Equal(AcceptStatus.Duplicate, copy.Status);
        Assert.Equal(e.Id, copy.DuplicateOf);
        Assert.Equal(first.Seq, copy.Seq);
        Assert.Equal(AcceptStatus.Accepted, late.Status);
        Assert.Equal(1L, SqliteFile.Scalar(kit.Path, $"SELECT duplicates FROM events WHERE seq = {first.Seq}"));
    }

    [Fact]
    public async Task DeduplicationIsPerRuleSoACopyMatchingANewRuleRunsOnlyThatRule()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var e = StoreTestKit.Event();
        await kit.Store.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);

        var copy = await kit.Store.AcceptEventAsync(kit.New(e, "admin-login", "audit"), CancellationToken.None);

        Assert.Equal(AcceptStatus.Accepted, copy.Status);
        Assert.Equal(["audit"], copy.RulesToRun);
    }

    [Fact]
    public async Task AWriteThatFailsLeavesNothingHalfWrittenAndOthersInTheBatchCommit()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        // The event row goes in first and the de-duplication key after it: failing the second must take the first with it.
        SqliteFile.Execute(kit.Path, "CREATE TRIGGER fail_key BEFORE INSERT ON dedupe WHEN NEW.rule = 'breaks' BEGIN SELECT RAISE(FAIL, 'disk full (simulated)'); END");

        var results = await Task.WhenAll(
            kit.Store.AcceptEventAsync(kit.New(StoreTestKit.Event("event-login-user.json"), "works"), CancellationToken.None),
            kit.Store.AcceptEventAsync(kit.New(StoreTestKit.Event(), "breaks"), CancellationToken.None));

        Assert.Equal(AcceptStatus.Accepted, results[0].Status);
        Assert.Equal(AcceptStatus.Unavailable, results[1].Status);
        Assert.Contains("disk full (simulated)", results[1].Reason, StringComparison.Ordinal);
        Assert.Equal(1L, SqliteFile.Count(kit.Path, "events"));
        Assert.Equal(0L, SqliteFile.Count(kit.Path, "dedupe", "rule = 'breaks'"));
    }

    [Fact]
    public async Task ConcurrentAcceptsShareCommits()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var e = StoreTestKit.Event();

        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            Task.Run(() => kit.Store.AcceptEventAsync(kit.New(e with { Id = $"e{i}" }, "r"), CancellationToken.None))));

        Assert.All(results, r => Assert.Equal(AcceptStatus.Accepted, r.Status));
        Assert.Equal(300L, SqliteFile.Count(kit.Path, "events"));
        var (commits, writes) = kit.Store.CommitStats;
        Assert.Equal(300, writes);
        Assert.True(commits < writes, $"{commits} commits for {writes} writes: no batching happened");
    }

    [Fact]
    public async Task CompletingAnEventCommitsItsMessagesAndMarksItProcessedTogether()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var accepted = await kit.Store.AcceptEventAsync(kit.New(StoreTestKit.Event(), "admin-login"), CancellationToken.None);
        var now = kit.Time.GetUtcNow();

        await kit.Store.CompleteEventAsync(accepted.Seq, [
            new NewMessage("admin-login", 0, "ntfy", "gauth", "{\"topic\":\"gauth\"}"u8.ToArray(), MessageStatus.Pending, null, now),
            new NewMessage("admin-login", 1, "ntfy", null, null, MessageStatus.Dead, "mapping error: x", now),
        ], [new MappingRunLog("admin-login", "admin-login.js", ["looking at alice"], ["admin-login.js:3:5: runtime: x"])], now, CancellationToken.None);

        Assert.Empty(await kit.Store.GetUnprocessedEventsAsync(0, 10, CancellationToken.None));
        var claimed = Assert.Single(await kit.Store.ClaimDueMessagesAsync("ntfy", now, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal("gauth", claimed.Topic);
        Assert.Empty(await kit.Store.ClaimDueMessagesAsync("ntfy", now, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        var dead = Assert.Single((await kit.Store.ListMessagesAsync(new MessageFilter(MessageStatus.Dead), null, 10, CancellationToken.None)).Items);
        Assert.Equal("mapping error: x", dead.DeadReason);
        var log = Assert.Single((await kit.Store.GetEventAsync(dead.EventId, CancellationToken.None))!.MappingLog);
        Assert.Equal(("admin-login", "looking at alice", "admin-login.js:3:5: runtime: x"), (log.Rule, Assert.Single(log.Console), Assert.Single(log.Errors)));
    }

    [Fact]
    public async Task ClaimsLeftByAStoppedProcessAreReleasedOnOpen()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var accepted = await kit.Store.AcceptEventAsync(kit.New(StoreTestKit.Event(), "r"), CancellationToken.None);
        var now = kit.Time.GetUtcNow();
        await kit.Store.CompleteEventAsync(accepted.Seq, [new NewMessage("r", 0, "ntfy", "t", "{}"u8.ToArray(), MessageStatus.Pending, null, now)], [], now, CancellationToken.None);
        Assert.Single(await kit.Store.ClaimDueMessagesAsync("ntfy", now, 10, TimeSpan.FromHours(1), CancellationToken.None));

        await kit.ReopenAsync();

        Assert.Single(await kit.Store.ClaimDueMessagesAsync("ntfy", now, 10, TimeSpan.FromHours(1), CancellationToken.None));
    }

    [Fact]
    public async Task PurgeRemovesOldDeliveredRecordsAndKeepsDeadOnes()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var now = kit.Time.GetUtcNow();
        var delivered = await kit.Store.AcceptEventAsync(kit.New(StoreTestKit.Event(), "r"), CancellationToken.None);
        await kit.Store.CompleteEventAsync(delivered.Seq, [new NewMessage("r", 0, "ntfy", "t", "{}"u8.ToArray(), MessageStatus.Pending, null, now)], [], now, CancellationToken.None);
        var message = Assert.Single(await kit.Store.ClaimDueMessagesAsync("ntfy", now, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        await kit.Store.RecordAttemptAsync(new AttemptRecord(message.Id, now, "delivered", 200, null, "ntfy id x", TimeSpan.FromMilliseconds(5)),
            new MessageUpdate(MessageStatus.Delivered, 1, now, null, null), CancellationToken.None);
        var dead = await kit.Store.AcceptEventAsync(kit.New(StoreTestKit.Event("event-login-user.json"), "r"), CancellationToken.None);
        await kit.Store.CompleteEventAsync(dead.Seq, [new NewMessage("r", 0, "ntfy", null, null, MessageStatus.Dead, "mapping error", now)], [], now, CancellationToken.None);

        kit.Time.Advance(TimeSpan.FromDays(8));
        var purged = await kit.Store.PurgeAsync(kit.Time.GetUtcNow() - TimeSpan.FromDays(7), kit.Time.GetUtcNow(), CancellationToken.None);

        Assert.Equal(new PurgeResult(1, 1, 2), purged);
        Assert.Equal(0L, SqliteFile.Count(kit.Path, "attempts"));
        Assert.Equal(1L, SqliteFile.Count(kit.Path, "messages", "status = 2"));
        Assert.Equal(1L, SqliteFile.Count(kit.Path, "events"));
    }
}
