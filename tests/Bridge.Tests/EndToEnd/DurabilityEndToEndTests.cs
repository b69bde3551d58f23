using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bridge.Storage;
using Bridge.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Bridge.Tests.EndToEnd;

/// <summary>A 202 is a promise: the event is on disk before the answer, survives restarts, and copies are not sent twice.</summary>
public sealed class DurabilityEndToEndTests
{
    private static byte[] AdminLogin => TestPaths.ReadAuthentikPayload("event-login-admin.json");

    [Fact]
    public async Task TheAnswerIsWrittenOnlyAfterTheEventIsCommittedToDisk()
    {
        HeldStore? held = null;
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin,
            options: new TestHostOptions(WrapStore: s => s with { Events = held = new HeldStore(s.Events) }));
        Assert.NotNull(held);
        var sqlite = Assert.IsType<SqliteStore>(bridge.Services.GetRequiredService<BridgeStore>().Engine);
        Assert.Equal("wal", sqlite.JournalMode);
        Assert.Equal(2, sqlite.Synchronous); // FULL: each commit fsyncs the WAL, so it survives a power cut

        var answer = bridge.PostHookAsync("authentik", AdminLogin);
        await held.Committed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The commit is visible to another connection (it is in the WAL on disk), and the sender has no answer yet.
        Assert.Equal(1L, SqliteFile.Count(bridge.StorePath, "events", "event_id = '3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e'"));
        Assert.NotSame(answer, await Task.WhenAny(answer, Task.Delay(300)));
        held.Release.SetResult();
        using var response = await answer;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task AStoreThatCannotCommitAnswers503WithRetryAfterAndKeepsNothing()
    {
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin);
        // Fails the de-duplication key, written after the event row in the same transaction: the row must go too.
        SqliteFile.Execute(bridge.StorePath, "CREATE TRIGGER full BEFORE INSERT ON dedupe BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END");

        using var refused = await bridge.PostHookAsync("authentik", AdminLogin);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.Headers.RetryAfter?.Delta);
        Assert.DoesNotContain("disk is full", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0L, SqliteFile.Count(bridge.StorePath, "events"));
        Assert.Equal(0L, SqliteFile.Count(bridge.StorePath, "dedupe"));
        await bridge.Logs.WaitForMessageAsync("Cannot store event");
        using (var health = await bridge.Client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        }

        SqliteFile.Execute(bridge.StorePath, "DROP TRIGGER full");
        using var retried = await bridge.PostHookAsync("authentik", AdminLogin);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        using (var health = await bridge.Client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        Assert.Equal("accepted", (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task EventsCommittedButNotProcessedBeforeAStopAreProcessedAfterTheRestart()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var directory = new TempDirectory();
        await using (var first = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy,
            options: new TestHostOptions(directory, WrapStore: s => s with { Events = new NeverProcessingStore(s.Events) })))
        {
            using var a = await first.PostHookAsync("authentik", AdminLogin);
            using var b = await first.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("default-body-login-failed.json"));
            Assert.Equal(HttpStatusCode.Accepted, a.StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, b.StatusCode);
        }
        Assert.Equal(2L, SqliteFile.Count(Path.Combine(directory.Path, "data", "bridge.db"), "events", "status = 0"));
        Assert.Equal(0, ntfy.Requests);

        await using var second = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy, options: new TestHostOptions(directory));

        var topics = (await ntfy.WaitForMessagesAsync(2)).Select(m => m.Topic).Order().ToArray();
        Assert.Equal(["failures", "gauth"], topics);
        directory.Dispose();
    }

    [Fact]
    public async Task AnEventAsDeepAsTheConfiguredLimitIsRebuiltAfterARestartAndMapped()
    {
        // Accepted under max_depth: 128; a restart must read it back whatever the default depth is.
        var config = "server: { limits: { max_depth: 128 } }\n" + EndToEndConfigs.AdminLogin;
        var login = JsonNode.Parse(AdminLogin)!;
        JsonNode deep = new JsonObject();
        for (var i = 0; i < 100; i++) deep = new JsonObject { ["n"] = deep };
        login["event"]!["context"]!["deep"] = deep;
        await using var ntfy = await FakeNtfy.StartAsync();
        var directory = new TempDirectory();
        await using (var first = await BridgeTestHost.StartAsync(config, ntfy, options: new TestHostOptions(directory, WrapStore: s => s with { Events = new NeverProcessingStore(s.Events) })))
        {
            using var answer = await first.PostHookAsync("authentik", Encoding.UTF8.GetBytes(login.ToJsonString()));
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        }

        await using var second = await BridgeTestHost.StartAsync(config, ntfy, options: new TestHostOptions(directory));

        Assert.Equal("gauth", Assert.Single(await ntfy.WaitForMessagesAsync(1)).Topic);
        directory.Dispose();
    }

    [Fact]
    public async Task FiveRecipientsPostsOfOneEventSendOneNotification()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => bridge.PostHookAsync("authentik", WithRecipient(AdminLogin, $"user{i}"))));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        var statuses = await Task.WhenAll(answers.Select(async a => (await a.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()));
        Assert.Equal(["accepted", "duplicate", "duplicate", "duplicate", "duplicate"], statuses.Order());
        await AssertOnlyNotificationThenAsync(bridge, ntfy, "gauth");
        Assert.Equal(4L, SqliteFile.Scalar(bridge.StorePath, "SELECT duplicates FROM events"));
    }

    [Fact]
    public async Task FiveRecipientsCopiesOfTheDefaultBodyWhichHasNoEventIdSendOneNotification()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);
        var body = TestPaths.ReadAuthentikPayload("default-body-login-failed.json");

        foreach (var i in Enumerable.Range(0, 5))
        {
            var copy = JsonNode.Parse(body)!;
            copy["user_username"] = $"recipient{i}";
            copy["user_email"] = $"recipient{i}@example.com";
            using var answer = await bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(copy.ToJsonString()));
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        }

        await AssertOnlyNotificationThenAsync(bridge, ntfy, "failures");
    }

    [Fact]
    public async Task EachMessageCarriesASequenceIdDerivedFromTheEventTheRuleAndItsIndex()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);

        await bridge.PostHookAsync("authentik", AdminLogin);

        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal(DedupeKeys.SequenceId("id:authentik:3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e", "admin-login", 0), message.Text("sequence_id"));
    }

    [Fact]
    public async Task AnInMemoryStoreRunsTheSamePipelineWithNothingOnDisk()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin + "\nstorage: { path: \":memory:\" }\n", ntfy);

        using var answer = await bridge.PostHookAsync("authentik", AdminLogin);

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        Assert.Equal("gauth", Assert.Single(await ntfy.WaitForMessagesAsync(1)).Topic);
        Assert.False(Directory.Exists(Path.Combine(bridge.Directory, "data")));
    }

    [Fact]
    public async Task AMappingThatFailsIsRecordedAsADeadMessageWithTheReason()
    {
        var config = EndToEndConfigs.AdminLogin.Replace("mapping: admin-login.js", "mapping: broken.js", StringComparison.Ordinal);
        await using var bridge = await BridgeTestHost.StartAsync(config,
            mappings: new Dictionary<string, string> { ["broken.js"] = "function map(event, ctx) { return { topic: 'gauth', priority: 9 }; }" });

        await bridge.PostHookAsync("authentik", AdminLogin);
        // Logged once the event's messages (here a dead one) are committed.
        await bridge.Logs.WaitForMessageAsync("Processed event");
        var found = (await bridge.Store.ListMessagesAsync(new MessageFilter(MessageStatus.Dead), null, 10, CancellationToken.None)).Items;

        var dead = Assert.Single(found);
        Assert.Equal("admin-login", dead.Rule);
        Assert.Null(dead.Body);
        Assert.StartsWith("mapping error: broken.js: invalid_message: priority", dead.DeadReason, StringComparison.Ordinal);
    }

    /// <summary>
    /// Sends one more, different event and waits for its message: processing is in order, so by then any extra
    /// notification for the copies would have arrived too.
    /// </summary>
    private static async Task AssertOnlyNotificationThenAsync(BridgeTestHost bridge, FakeNtfy ntfy, string topic)
    {
        var first = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal(topic, first.Topic);
        var marker = JsonNode.Parse(AdminLogin)!;
        marker["event"]!["pk"] = "0000000000000000000000000000feed";
        await bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(marker.ToJsonString()));
        await ntfy.WaitForMessagesAsync(1);
        Assert.Equal(2, ntfy.Published.Count);
    }

    private static byte[] WithRecipient(byte[] body, string username)
    {
        var node = JsonNode.Parse(body)!;
        // Each recipient's POST is its own notification (own uuid, own user) about the same event.
        node["notification"]!["uuid"] = Guid.NewGuid().ToString("N");
        node["notification"]!["user"]!["username"] = username;
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    /// <summary>Holds each accept after its commit until the test releases it, and says when the commit is done.</summary>
    private sealed class HeldStore(IEventLog inner) : ForwardingEventLog(inner)
    {
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<AcceptResult> AcceptEventAsync(NewEvent e, CancellationToken ct)
        {
            var result = await Inner.AcceptEventAsync(e, ct);
            Committed.TrySetResult();
            await Release.Task;
            return result;
        }
    }

    /// <summary>Commits events but never their messages: the state a crash leaves between the 202 and the mappings.</summary>
    private sealed class NeverProcessingStore(IEventLog inner) : ForwardingEventLog(inner)
    {
        public override Task CommitMappedAsync(IReadOnlyList<MappedRule> mapped, DateTimeOffset at, CancellationToken ct) =>
            Task.Delay(Timeout.Infinite, ct);
    }
}
