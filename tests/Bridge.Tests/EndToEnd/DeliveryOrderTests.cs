using System.Net;
using System.Text;
using Bridge.Tests.Support;

namespace Bridge.Tests.EndToEnd;

/// <summary>
/// Many sends on the wire at once, yet an update never overtakes what it updates: messages sharing a <c>sequence_id</c>
/// arrive in the order they were made, also when the first of them fails and is retried.
/// </summary>
public sealed class DeliveryOrderTests
{
    private const int Events = 8;

    private const string Config = """
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            retry: { schedule: [0s, 10ms, 10ms, 10ms], jitter: 0 }
            ORDERED
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - { name: updates, match: { action: login }, mapping: updates.js, topic: t }
        """;

    /// <summary>Three messages per event, the later ones updating the first (ntfy replaces a message by its sequence_id).</summary>
    private static readonly Dictionary<string, string> Mappings = new()
    {
        ["updates.js"] = """
            function map(event) {
              const seq = 'ev' + event.id.slice(-8);
              return [1, 2, 3].map(n => ({ title: String(n), message: event.user.username, sequence_id: seq }));
            }
            """,
    };

    [Fact]
    public async Task MessagesSharingASequenceIdArriveInOrderWhileOthersAreSentConcurrently()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        ntfy.HoldUntilConcurrent(4);
        // Among the first sends: each fails, its sequence's later messages must wait for its retry.
        ntfy.FailNext(503, times: 2);
        await using var bridge = await BridgeTestHost.StartAsync(Config.Replace("ORDERED", "", StringComparison.Ordinal), ntfy, Mappings);

        await PostEventsAsync(bridge);

        var published = await ntfy.WaitForMessagesAsync(Events * 3);
        Assert.True(ntfy.MaxConcurrent >= 4, $"at most {ntfy.MaxConcurrent} sends were on the wire at once");
        foreach (var sequence in published.GroupBy(m => m.Text("sequence_id")))
            Assert.Equal(["1", "2", "3"], sequence.Select(m => m.Text("title")));
    }

    [Fact]
    public async Task StrictOrderSendsOneAtATimeInTheOrderMessagesWereMade()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        ntfy.FailNext(503);
        await using var bridge = await BridgeTestHost.StartAsync(Config.Replace("ORDERED", "ordered: strict", StringComparison.Ordinal), ntfy, Mappings);

        await PostEventsAsync(bridge);

        var published = await ntfy.WaitForMessagesAsync(Events * 3);
        Assert.Equal(1, ntfy.MaxConcurrent);
        var expected = Enumerable.Range(0, Events).SelectMany(i => new[] { $"user{i}/1", $"user{i}/2", $"user{i}/3" });
        Assert.Equal(expected, published.Select(m => $"{m.Text("message")}/{m.Text("title")}"));
    }

    private static async Task PostEventsAsync(BridgeTestHost bridge)
    {
        for (var i = 0; i < Events; i++)
        {
            using var answer = await bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(
                $$$"""{"pk": "{{{i:x32}}}", "action": "login", "user": {"pk": 1, "username": "user{{{i}}}"}, "context": {}}"""));
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        }
    }
}
