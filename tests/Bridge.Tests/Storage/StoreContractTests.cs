using Bridge.Storage;
using Bridge.Tests.Support;

namespace Bridge.Tests.Storage;

/// <summary>
/// What every store engine does alike, run once per engine: de-duplication, the event log, claims and their leases,
/// settlements, backoff and dead letters, replays, group waits, retention. Where the engines differ by design (SQLite's
/// leases live in memory and end with the process; PostgreSQL's are in the rows and lapse), the engine's own tests say so.
/// </summary>
public abstract class StoreContractTests
{
    private protected abstract Task<StoreTestKit> OpenAsync();

    /// <summary>
    /// Whether a lease lapses on its own (PostgreSQL, several instances: a leased message is due again at its lease's end)
    /// or only with the process (SQLite, one owner: a leased message is due for nobody else).
    /// </summary>
    private protected abstract bool LeasesLapse { get; }
    [Fact]
    public async Task ACopyWithinTheWindowIsADuplicateAndACopyAfterItIsNot()
    {
        await using var kit = await OpenAsync();
        var e = StoreTestKit.Event();
        var first = await kit.Store.Events.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);

        kit.Time.Advance(TimeSpan.FromMinutes(9));
        var copy = await kit.Store.Events.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);
        kit.Time.Advance(TimeSpan.FromMinutes(2));
        var late = await kit.Store.Events.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);

        Assert.Equal(AcceptStatus.Duplicate, copy.Status);
        Assert.Equal(e.Id, copy.DuplicateOf);
        Assert.Equal(first.Seq, copy.Seq);
        Assert.Equal(AcceptStatus.Accepted, late.Status);
        Assert.Equal(1L, await kit.ScalarAsync($"SELECT duplicates FROM events WHERE seq = {first.Seq}"));
    }

    [Fact]
    public async Task DeduplicationIsPerRuleSoACopyMatchingANewRuleRunsOnlyThatRule()
    {
        await using var kit = await OpenAsync();
        var e = StoreTestKit.Event();
        await kit.Store.Events.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);

        var copy = await kit.Store.Events.AcceptEventAsync(kit.New(e, "admin-login", "audit"), CancellationToken.None);

        Assert.Equal(AcceptStatus.Accepted, copy.Status);
        Assert.Equal(["audit"], copy.RulesToRun);
    }

    [Fact]
    public async Task CommittingAnEventsRulesCommitsTheirMessagesAndMarksItProcessedOnceNoRuleIsLeft()
    {
        await using var kit = await OpenAsync();
        var accepted = await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event(), "admin-login", "audit"), CancellationToken.None);
        var now = kit.Time.GetUtcNow();

        await kit.Store.Events.CommitMappedAsync([new MappedRule(accepted.Seq, "admin-login", [
            new NewMessage("admin-login", 0, "ntfy", "gauth", "{\"topic\":\"gauth\"}"u8.ToArray(), MessageStatus.Pending, null, now),
            new NewMessage("admin-login", 1, "ntfy", null, null, MessageStatus.Dead, "mapping error: x", now),
        ], new MappingRunLog("admin-login", "admin-login.js", ["looking at alice"], ["admin-login.js:3:5: runtime: x"]))], now, CancellationToken.None);

        var waiting = Assert.Single(await kit.Store.Events.GetUnprocessedEventsAsync(0, 10, CancellationToken.None));
        Assert.Equal(["audit"], waiting.RulesLeft);
        Assert.Equal(["admin-login", "audit"], waiting.RulesToRun);
        var claimed = Assert.Single(await kit.ClaimAsync(now));
        Assert.Equal("gauth", claimed.Message.Topic);
        Assert.Empty(await kit.ClaimAsync(now));
        var dead = Assert.Single((await kit.Store.Admin.ListMessagesAsync(new MessageFilter(MessageStatus.Dead), null, 10, CancellationToken.None)).Items);
        Assert.Equal("mapping error: x", dead.DeadReason);
        var log = Assert.Single(Assert.Single(await kit.Store.Admin.GetEventsAsync(dead.EventId, null, CancellationToken.None)).MappingLog);
        Assert.Equal(("admin-login", "looking at alice", "admin-login.js:3:5: runtime: x"), (log.Rule, Assert.Single(log.Console), Assert.Single(log.Errors)));

        // The same rule committed again (a retried batch) adds nothing; the last rule finishes the event.
        await kit.Store.Events.CommitMappedAsync([
            new MappedRule(accepted.Seq, "admin-login", [new NewMessage("admin-login", 2, "ntfy", "x", "{}"u8.ToArray(), MessageStatus.Pending, null, now)], null),
            new MappedRule(accepted.Seq, "audit", [], null),
        ], now, CancellationToken.None);

        Assert.Empty(await kit.Store.Events.GetUnprocessedEventsAsync(0, 10, CancellationToken.None));
        Assert.Equal(2L, await kit.CountAsync("messages"));
        Assert.Equal(1L, await kit.CountAsync("events", "status = 1 AND processed_at IS NOT NULL"));
    }

    [Fact]
    public async Task AnEventNoRuleMatchedIsProcessedAsItIsCommitted()
    {
        await using var kit = await OpenAsync();

        await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event()), CancellationToken.None);

        Assert.Empty(await kit.Store.Events.GetUnprocessedEventsAsync(0, 10, CancellationToken.None));
        Assert.Equal(1L, await kit.CountAsync("events", "status = 1"));
    }

    [Fact]
    public async Task AMessageIsNotClaimedWhileAnOlderOneWithItsSequenceIdIsPendingWhateverItsTopic()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        await kit.AddMessagesAsync(("a", "s1"), ("b", "s1"), ("a", "s2"), ("a", null));

        var first = await kit.ClaimAsync(now, 10);

        Assert.Equal([("a", (string?)"s1"), ("a", "s2"), ("a", null)], first.Select(l => (l.Message.Topic!, StoreTestKit.SequenceOf(l))).ToArray());
        var update = first[0];
        Assert.Equal(1, await kit.Store.Outbox.SettleAsync([StoreTestKit.Delivered(update, now)], CancellationToken.None));
        var second = Assert.Single(await kit.ClaimAsync(now, 10));
        Assert.Equal(("b", (string?)"s1"), (second.Message.Topic!, StoreTestKit.SequenceOf(second)));
    }

    [Fact]
    public async Task WithStrictOrderAMessageWaitsForEveryOlderPendingMessageOfItsTopic()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        await kit.AddMessagesAsync(("a", "s1"), ("a", "s2"), ("b", "s3"));

        var claimed = await kit.Store.Outbox.ClaimAsync("ntfy", ClaimOrder.StrictPerTopic, now, 10, TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(["s1", "s3"], claimed.Select(StoreTestKit.SequenceOf));
        Assert.Equal(LeasesLapse ? now + TimeSpan.FromMinutes(1) : null, await kit.Store.Outbox.GetNextDueAsync("ntfy", ClaimOrder.StrictPerTopic, CancellationToken.None));
    }

    [Fact]
    public async Task ASettlementUnderALeaseThatEndedIsSkipped()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        await kit.AddMessagesAsync(("t", "s1"));
        var stale = Assert.Single(await kit.ClaimAsync(now));
        await kit.Store.Outbox.ReleaseAsync([stale], CancellationToken.None);
        var current = Assert.Single(await kit.ClaimAsync(now));

        Assert.Equal(0, await kit.Store.Outbox.SettleAsync([StoreTestKit.Delivered(stale, now)], CancellationToken.None));
        Assert.Equal(1, await kit.Store.Outbox.SettleAsync([StoreTestKit.Delivered(current, now)], CancellationToken.None));
        Assert.Equal(1L, await kit.CountAsync("attempts"));
    }

    [Fact]
    public async Task PurgeRemovesOldDeliveredRecordsAndKeepsDeadOnes()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        await kit.AddMessagesAsync(("t", "s1"));
        var message = Assert.Single(await kit.ClaimAsync(now));
        await kit.Store.Outbox.SettleAsync([StoreTestKit.Delivered(message, now)], CancellationToken.None);
        var dead = await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event("event-login-user.json"), "r"), CancellationToken.None);
        await kit.Store.Events.CommitMappedAsync([new MappedRule(dead.Seq, "r", [new NewMessage("r", 0, "ntfy", null, null, MessageStatus.Dead, "mapping error", now)], null)], now, CancellationToken.None);

        kit.Time.Advance(TimeSpan.FromDays(8));
        var purged = await kit.Store.Retention.PurgeAsync(kit.Time.GetUtcNow() - TimeSpan.FromDays(7), kit.Time.GetUtcNow(), CancellationToken.None);

        Assert.Equal(new PurgeResult(1, 1, 2), purged);
        Assert.Equal(0L, await kit.CountAsync("attempts"));
        Assert.Equal(1L, await kit.CountAsync("messages", "status = 2"));
        Assert.Equal(1L, await kit.CountAsync("events"));
    }

    [Fact]
    public async Task AnAcceptedEventIsReadBackWithItsBodyEventJsonAndDedupeKey()
    {
        await using var kit = await OpenAsync();
        var e = StoreTestKit.Event();

        var result = await kit.Store.Events.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None);

        Assert.Equal(AcceptStatus.Accepted, result.Status);
        var stored = Assert.Single(await kit.Store.Events.GetUnprocessedEventsAsync(0, 10, CancellationToken.None));
        Assert.Equal((result.Seq, e.Id, $"id:authentik:{e.Id}"), (stored.Seq, stored.EventId, stored.DedupeKey));
        Assert.Equal(["admin-login"], stored.RulesToRun);
        Assert.True(stored.Body.Length > 100 && stored.EventJson.Length > 100);
        Assert.Equal(kit.Time.GetUtcNow(), stored.ReceivedAt);
        Assert.Equal(1L, await kit.CountAsync("dedupe", $"key = 'id:authentik:{e.Id}' AND rule = 'admin-login'"));
    }

    [Fact]
    public async Task CopiesAcceptedInParallelMakeOneEventAndTheRestAreItsDuplicates()
    {
        await using var kit = await OpenAsync();
        var e = StoreTestKit.Event();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => kit.Store.Events.AcceptEventAsync(kit.New(e, "admin-login", "audit"), CancellationToken.None))));

        var accepted = Assert.Single(results, r => r.Status == AcceptStatus.Accepted);
        Assert.Equal(["admin-login", "audit"], accepted.RulesToRun);
        Assert.All(results.Where(r => r != accepted), r => Assert.Equal((AcceptStatus.Duplicate, accepted.Seq), (r.Status, r.Seq)));
        Assert.Equal(1L, await kit.CountAsync("events"));
        Assert.Equal(7L, await kit.ScalarAsync($"SELECT duplicates FROM events WHERE seq = {accepted.Seq}"));
    }

    [Fact]
    public async Task AClaimedMessageIsNobodyElsesWhileItsLeaseHolds()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        await kit.AddMessagesAsync([.. Enumerable.Range(0, 30).Select(i => ("t", (string?)$"s{i}"))]);

        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => kit.ClaimAsync(now, 10))));

        var ids = claims.SelectMany(c => c).Select(l => l.Message.Id).ToList();
        Assert.Equal(30, ids.Count);
        Assert.Equal(30, ids.Distinct().Count());
        kit.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(await kit.ClaimAsync(kit.Time.GetUtcNow()));
    }

    [Fact]
    public async Task AFailedAttemptBacksOffUntilItsNextTimeAndTheLastOneMakesADeadLetterThatAReplayRevives()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        await kit.AddMessagesAsync(("t", "s1"));
        var first = Assert.Single(await kit.ClaimAsync(now));

        Assert.Equal(1, await kit.Store.Outbox.SettleAsync([Failed(first, now, new MessageUpdate(MessageStatus.Pending, 1, now + TimeSpan.FromSeconds(30), "HTTP 500", null))], CancellationToken.None));

        Assert.Equal(now + TimeSpan.FromSeconds(30), await kit.Store.Outbox.GetNextDueAsync("ntfy", ClaimOrder.BySequence, CancellationToken.None));
        kit.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(await kit.ClaimAsync(kit.Time.GetUtcNow()));
        kit.Time.Advance(TimeSpan.FromSeconds(1));
        var second = Assert.Single(await kit.ClaimAsync(kit.Time.GetUtcNow()));
        Assert.Equal((1, "HTTP 500"), (second.Message.Attempts, second.Message.LastError));
        Assert.Equal(1, await kit.Store.Outbox.SettleAsync([Failed(second, kit.Time.GetUtcNow(), new MessageUpdate(MessageStatus.Dead, 2, kit.Time.GetUtcNow(), "HTTP 500", "gave up after 2 attempts"))], CancellationToken.None));

        Assert.Null(await kit.Store.Outbox.GetNextDueAsync("ntfy", ClaimOrder.BySequence, CancellationToken.None));
        var dead = Assert.Single((await kit.Store.Admin.ListMessagesAsync(new MessageFilter(MessageStatus.Dead), null, 10, CancellationToken.None)).Items);
        Assert.Equal("gave up after 2 attempts", dead.DeadReason);
        Assert.Equal(["failed", "failed"], (await kit.Store.Admin.GetAttemptsAsync(dead.Id, CancellationToken.None)).Select(a => a.Outcome));
        Assert.Equal(1, await kit.Store.Admin.ReplayAsync(new MessageFilter(Id: dead.Id), kit.Time.GetUtcNow(), CancellationToken.None));
        var revived = Assert.Single(await kit.ClaimAsync(kit.Time.GetUtcNow()));
        Assert.Equal((0, (string?)null), (revived.Message.Attempts, revived.Message.DeadReason));
    }

    [Fact]
    public async Task ExpiryKillsOldUnleasedMessagesOnlyAndSaysWhy()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        await kit.AddMessagesAsync(("t", "s1"), ("t", "s2"));
        var leased = (await kit.ClaimAsync(now, 1))[0];
        kit.Time.Advance(TimeSpan.FromSeconds(10));

        var expired = await kit.Store.Outbox.ExpireAsync("ntfy", kit.Time.GetUtcNow() - TimeSpan.FromSeconds(5), kit.Time.GetUtcNow(), "too old", CancellationToken.None);

        Assert.Equal(1, expired);
        var dead = Assert.Single((await kit.Store.Admin.ListMessagesAsync(new MessageFilter(MessageStatus.Dead), null, 10, CancellationToken.None)).Items);
        Assert.NotEqual(leased.Message.Id, dead.Id);
        Assert.Equal("too old", dead.DeadReason);
        Assert.Equal(1, await kit.Store.Outbox.SettleAsync([StoreTestKit.Delivered(leased, kit.Time.GetUtcNow())], CancellationToken.None));
        Assert.Empty(await kit.Store.Outbox.GetDestinationsWithPendingAsync(CancellationToken.None));
    }

    [Fact]
    public async Task PurgeNeverTouchesPendingMessagesOrUnprocessedEventsHoweverOld()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        await kit.AddMessagesAsync(("t", "s1"));
        await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event("event-login-user.json"), "r"), CancellationToken.None);
        Assert.Single(await kit.ClaimAsync(now));

        kit.Time.Advance(TimeSpan.FromDays(30));
        var purged = await kit.Store.Retention.PurgeAsync(kit.Time.GetUtcNow() - TimeSpan.FromDays(7), kit.Time.GetUtcNow(), CancellationToken.None);

        Assert.Equal((0, 0), (purged.Messages, purged.Events));
        Assert.Equal(1L, await kit.CountAsync("messages", "status = 0"));
        Assert.Equal(2L, await kit.CountAsync("events"));
    }

    [Fact]
    public async Task ListsPageByCursorAndFindEventsByIdPerSource()
    {
        await using var kit = await OpenAsync();
        for (var i = 0; i < 5; i++)
            await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event() with { Id = $"e{i}" }, i % 2 == 0 ? "even" : "odd"), CancellationToken.None);

        var first = await kit.Store.Admin.ListEventsAsync(new EventFilter(), null, 2, CancellationToken.None);
        var second = await kit.Store.Admin.ListEventsAsync(new EventFilter(), first.Next, 2, CancellationToken.None);
        var even = await kit.Store.Admin.ListEventsAsync(new EventFilter(Rule: "even"), null, 10, CancellationToken.None);

        Assert.Equal(["e4", "e3"], first.Items.Select(e => e.EventId));
        Assert.Equal(["e2", "e1"], second.Items.Select(e => e.EventId));
        Assert.Equal(["e4", "e2", "e0"], even.Items.Select(e => e.EventId));
        Assert.Equal("e3", Assert.Single(await kit.Store.Admin.GetEventsAsync("e3", null, CancellationToken.None)).EventId);
        Assert.Empty(await kit.Store.Admin.GetEventsAsync("e3", "other", CancellationToken.None));
        var counts = await kit.Store.Admin.CountAsync(CancellationToken.None);
        Assert.Equal(5, counts.UnprocessedEvents);
    }

    [Fact]
    public async Task ReplayingAMappingMakesItsEventUnprocessedForThatRuleAlone()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        var accepted = await kit.Store.Events.AcceptEventAsync(kit.New(StoreTestKit.Event(), "r", "s"), CancellationToken.None);
        Assert.Single(await kit.Store.Events.GetUnprocessedEventsAsync(0, 10, CancellationToken.None));
        await kit.Store.Events.CommitMappedAsync([
            new MappedRule(accepted.Seq, "r", [new NewMessage("r", 0, "ntfy", null, null, MessageStatus.Dead, "mapping error", now)], null),
            new MappedRule(accepted.Seq, "s", [], null)], now, CancellationToken.None);
        var dead = Assert.Single((await kit.Store.Admin.ListMessagesAsync(new MessageFilter(MessageStatus.Dead), null, 10, CancellationToken.None)).Items);

        Assert.True(await kit.Store.Admin.ReplayMappingAsync(dead.Id, CancellationToken.None));

        var again = Assert.Single(await kit.Store.Events.GetUnprocessedEventsAsync(0, 10, CancellationToken.None));
        Assert.Equal(accepted.Seq, again.Seq);
        Assert.Equal(["r"], again.RulesLeft);
        Assert.Null(await kit.Store.Admin.GetMessageAsync(dead.Id, CancellationToken.None));
        Assert.False(await kit.Store.Admin.ReplayMappingAsync(dead.Id, CancellationToken.None));
    }

    [Fact]
    public async Task AWaitingEventKeepsItsScheduleIsADuplicateTargetAndBecomesAnOrdinaryEventOnceJudged()
    {
        await using var kit = await OpenAsync();
        var e = StoreTestKit.Event();
        var waits = kit.Store.GroupWaits;

        var waiting = await waits.AcceptWaitingAsync(kit.New(e), "Authentik API unreachable", CancellationToken.None);
        var copy = await waits.AcceptWaitingAsync(kit.New(e), "Authentik API unreachable", CancellationToken.None);
        await waits.PostponeAsync(waiting.Seq, new GroupWait("HTTP 503", kit.Time.GetUtcNow() + TimeSpan.FromMinutes(1), 1), CancellationToken.None);

        Assert.Equal((AcceptStatus.Accepted, AcceptStatus.Duplicate, waiting.Seq), (waiting.Status, copy.Status, copy.Seq));
        Assert.Empty(await waits.GetDueAsync(kit.Time.GetUtcNow(), 10, CancellationToken.None));
        Assert.Equal(kit.Time.GetUtcNow() + TimeSpan.FromMinutes(1), await waits.GetNextDueAsync(CancellationToken.None));
        Assert.Equal(new GroupWait("HTTP 503", kit.Time.GetUtcNow() + TimeSpan.FromMinutes(1), 1), await waits.GetWaitAsync(waiting.Seq, CancellationToken.None));
        Assert.Equal(1, (await waits.CountAsync(CancellationToken.None))["authentik"]);
        await waits.RetryAllAsync("authentik", kit.Time.GetUtcNow(), CancellationToken.None);
        var due = Assert.Single(await waits.GetDueAsync(kit.Time.GetUtcNow(), 10, CancellationToken.None));
        Assert.Equal((waiting.Seq, "HTTP 503"), (due.Seq, due.Wait.Reason));

        var judged = await waits.ResolveAsync(waiting.Seq, kit.New(e, "admin-login"), CancellationToken.None);

        Assert.Equal(["admin-login"], judged!.RulesToRun);
        Assert.Null(await waits.ResolveAsync(waiting.Seq, kit.New(e, "admin-login"), CancellationToken.None));
        Assert.Null(await waits.GetWaitAsync(waiting.Seq, CancellationToken.None));
        Assert.Equal(["admin-login"], Assert.Single(await kit.Store.Events.GetUnprocessedEventsAsync(0, 10, CancellationToken.None)).RulesLeft);
        Assert.Equal(AcceptStatus.Duplicate, (await kit.Store.Events.AcceptEventAsync(kit.New(e, "admin-login"), CancellationToken.None)).Status);
    }

    private static readonly Bridge.Configuration.GroupConfig ByAction = new(["action"], TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.Zero);

    /// <summary>Accepts <paramref name="count"/> events for rule "storm", each its own id.</summary>
    private static async Task<List<(long Seq, Bridge.Events.BridgeEvent Event)>> AcceptStormAsync(StoreTestKit kit, int count)
    {
        var accepted = new List<(long, Bridge.Events.BridgeEvent)>(count);
        for (var i = 0; i < count; i++)
        {
            var e = StoreTestKit.Event() with { Id = $"storm{i}" };
            accepted.Add(((await kit.Store.Events.AcceptEventAsync(kit.New(e, "storm"), CancellationToken.None)).Seq, e));
        }
        return accepted;
    }

    private static MappedRule Joining(long seq, Bridge.Events.BridgeEvent e, DateTimeOffset at) =>
        new(seq, "storm", [], new MappingRunLog("storm", "m.js", [], [])) { Group = new Bridge.Incidents.IncidentJoin("storm", ByAction, e, seq, $"k{seq}", at) };

    [Fact]
    public async Task AnEventsCommitCountsItIntoItsIncidentAndEachDueCardIsClaimedOnceAndCommittedWithTheStateAfterIt()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        var storm = await AcceptStormAsync(kit, 3);
        await kit.Store.Events.CommitMappedAsync([Joining(storm[0].Seq, storm[0].Event, now), Joining(storm[1].Seq, storm[1].Event, now)], now, CancellationToken.None);
        var held = Assert.Single(Assert.Single(await kit.Store.Admin.GetEventsAsync(storm[1].Event.Id, null, CancellationToken.None)).MappingLog);
        Assert.Matches(@"^held in incident bi[0-9a-f]{30} \(event 2 of the group\): its card is updated at most every 30 s$", Assert.Single(held.Console));

        Assert.Equal(now, await kit.Store.Incidents.NextDueAsync(now, CancellationToken.None));
        var claimed = Assert.Single(await kit.Store.Incidents.ClaimDueAsync(now, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Empty(await kit.Store.Incidents.ClaimDueAsync(now, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(now + TimeSpan.FromMinutes(1), await kit.Store.Incidents.NextDueAsync(now, CancellationToken.None));
        Assert.Equal((2L, storm[1].Seq, false), (claimed.State.Count, claimed.LastEvent!.Seq, claimed.Superseded));

        // An event joins while the card is being made: the card commits, and an update stays owed for it.
        await kit.Store.Events.CommitMappedAsync([Joining(storm[2].Seq, storm[2].Event, now)], now, CancellationToken.None);
        var opening = Bridge.Incidents.IncidentLogic.Due(claimed.State, ByAction, now, claimed.Superseded)!;
        var body = System.Text.Encoding.UTF8.GetBytes($"{{\"topic\":\"t\",\"sequence_id\":\"{claimed.State.Id}\"}}");
        var message = new NewMessage("storm", 1000, "ntfy", "t", body, MessageStatus.Pending, null, now, claimed.State.Id) { Lane = MessageLane.High };
        var card = new IncidentCard([message], claimed.State, opening, ByAction, claimed.Claim, now);
        Assert.True(await kit.Store.Incidents.CommitCardAsync(card, CancellationToken.None));
        Assert.False(await kit.Store.Incidents.CommitCardAsync(card, CancellationToken.None));
        var open = Assert.Single(await kit.Store.Incidents.GetOpenAsync(CancellationToken.None)).State;
        Assert.Equal((3L, 1, true, MessageLane.High), (open.Count, open.Cards, open.UpdatePending, open.Lane));
        Assert.Equal(now + TimeSpan.FromSeconds(30), await kit.Store.Incidents.NextDueAsync(now, CancellationToken.None));
        Assert.Equal(claimed.State.Id, StoreTestKit.SequenceOf(Assert.Single(await kit.ClaimAsync(now))));

        // Quiet for the window: the closing card deletes it.
        var later = now + TimeSpan.FromMinutes(5);
        var closing = Assert.Single(await kit.Store.Incidents.ClaimDueAsync(later, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        var close = Bridge.Incidents.IncidentLogic.Due(closing.State, ByAction, later, closing.Superseded)!;
        Assert.Equal(Bridge.Incidents.CardPhase.Close, close.View.Phase);
        Assert.True(await kit.Store.Incidents.CommitCardAsync(new IncidentCard([], closing.State, close, ByAction, closing.Claim, later), CancellationToken.None));
        Assert.Empty(await kit.Store.Incidents.GetOpenAsync(CancellationToken.None));
        Assert.Null(await kit.Store.Incidents.NextDueAsync(later, CancellationToken.None));
    }

    [Fact]
    public async Task ConcurrentCommitsOfOneGroupMakeOneIncidentThatCountsEveryEventOnce()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        var storm = await AcceptStormAsync(kit, 24);

        // Each event committed on its own, all at once (on PostgreSQL: on separate connections), and one of them twice.
        await Task.WhenAll(storm.Select(s => Task.Run(() => kit.Store.Events.CommitMappedAsync([Joining(s.Seq, s.Event, now)], now, CancellationToken.None)))
            .Append(kit.Store.Events.CommitMappedAsync([Joining(storm[0].Seq, storm[0].Event, now)], now, CancellationToken.None)));

        var open = Assert.Single(await kit.Store.Incidents.GetOpenAsync(CancellationToken.None)).State;
        Assert.Equal(24, open.Count);
        Assert.Equal(storm.Max(s => s.Seq), open.LastEventSeq);
    }

    [Fact]
    public async Task AnEventAfterTheQuietWindowOpensANewIncidentAndTheOldOneOwesItsClosingCard()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        var storm = await AcceptStormAsync(kit, 3);
        await kit.Store.Events.CommitMappedAsync([Joining(storm[0].Seq, storm[0].Event, now), Joining(storm[1].Seq, storm[1].Event, now)], now, CancellationToken.None);
        var later = now + TimeSpan.FromMinutes(6);

        await kit.Store.Events.CommitMappedAsync([Joining(storm[2].Seq, storm[2].Event, later)], later, CancellationToken.None);

        var claimed = await kit.Store.Incidents.ClaimDueAsync(later, 10, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(2, claimed.Count);
        var old = Assert.Single(claimed, c => c.Superseded);
        Assert.Equal(2, old.State.Count);
        Assert.Equal(Bridge.Incidents.CardPhase.Close, Bridge.Incidents.IncidentLogic.Due(old.State, ByAction, later, old.Superseded)!.View.Phase);
        var fresh = Assert.Single(claimed, c => !c.Superseded);
        Assert.Equal((1L, storm[2].Seq), (fresh.State.Count, fresh.State.LastEventSeq));
        Assert.NotEqual(old.State.Id, fresh.State.Id);
    }

    [Fact]
    public async Task SilencesAreInForceUntilTheyEndOrAreEndedByHand()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        var mute = new Bridge.Silences.Silence("sil_000000000001", new Bridge.Silences.SilenceMatch(Action: "login"), "maintenance", "admin API", now, now + TimeSpan.FromHours(1));
        var other = mute with { Id = "sil_000000000002", EndsAt = now + TimeSpan.FromHours(2) };

        Assert.True(await kit.Store.Incidents.AddSilenceAsync(mute, CancellationToken.None));
        Assert.True(await kit.Store.Incidents.AddSilenceAsync(other, CancellationToken.None));
        Assert.False(await kit.Store.Incidents.AddSilenceAsync(other with { Comment = "again" }, CancellationToken.None));
        await kit.Store.Incidents.EndSilenceAsync(other.Id, now, CancellationToken.None);

        Assert.Equal([mute], await kit.Store.Incidents.GetSilencesAsync(now, CancellationToken.None));
        Assert.Empty(await kit.Store.Incidents.GetSilencesAsync(now + TimeSpan.FromHours(1), CancellationToken.None));
        Assert.Equal(other with { EndedAt = now }, await kit.Store.Incidents.GetSilenceAsync(other.Id, CancellationToken.None));
    }

    [Fact]
    public async Task TheMuteKeyIsStoredOnceAndATokenMakesOneSilence()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        var first = await kit.Store.MuteTokens.GetSigningKeyAsync([1, 2, 3], now, CancellationToken.None);
        Assert.Equal([1, 2, 3], first);
        Assert.Equal([1, 2, 3], await kit.Store.MuteTokens.GetSigningKeyAsync([9, 9, 9], now, CancellationToken.None));

        var silence = new Bridge.Silences.Silence("sil_00000000000a", new Bridge.Silences.SilenceMatch(Action: "login", Rule: "r"), "button", "mute button", now, now + TimeSpan.FromHours(1));
        Assert.Null(await kit.Store.MuteTokens.UseAsync("nonce-1", now + TimeSpan.FromDays(1), silence, CancellationToken.None));
        Assert.Equal(silence.Id, await kit.Store.MuteTokens.UseAsync("nonce-1", now + TimeSpan.FromDays(1), silence with { Id = "sil_00000000000b" }, CancellationToken.None));
        Assert.Equal([silence], await kit.Store.Incidents.GetSilencesAsync(now, CancellationToken.None));
    }

    private static Settlement Failed(OutboxLease lease, DateTimeOffset now, MessageUpdate update) =>
        new(lease, new AttemptRecord(lease.Message.Id, now, "failed", 500, null, "HTTP 500", TimeSpan.Zero), update);
}

/// <summary>The contract on the embedded engine.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    private protected override Task<StoreTestKit> OpenAsync() => StoreTestKit.OpenAsync();

    private protected override bool LeasesLapse => false;
}

/// <summary>The contract on a real PostgreSQL server, a database per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreContractTests(PostgresServer server) : StoreContractTests
{
    private protected override Task<StoreTestKit> OpenAsync() => StoreTestKit.OpenAsync(server);

    private protected override bool LeasesLapse => true;
}
