using System.Net;
using System.Text;
using Bridge.Tests.Support;

namespace Bridge.Tests.EndToEnd;

/// <summary>
/// Hostile mappings (endless loops, allocation bombs, runaway recursion, prototype pollution, string amplification)
/// run in parallel with a good one through the real host: the bridge keeps answering, every good event is delivered,
/// and none of them sees what the polluters did. Bounded in size; no timing assertions.
/// </summary>
public sealed class HostileMappingLoadTests
{
    // The timeout is far above what the memory and statement limits need, so on a loaded machine each hostile run still
    // ends on its own limit rather than on the clock.
    private const string Config = """
        mapping_limits: { timeout: 3s, max_concurrency: 4 }
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            retry: { schedule: [0s, 10ms] }
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - { name: good, match: { action: login }, mapping: good.js, topic: good }
          - { name: loop, match: { action: custom_loop }, mapping: loop.js, topic: bad }
          - { name: alloc, match: { action: custom_alloc }, mapping: alloc.js, topic: bad }
          - { name: recursion, match: { action: custom_recursion }, mapping: recursion.js, topic: bad }
          - { name: pollute, match: { action: custom_pollute }, mapping: pollute.js, topic: bad }
          - { name: amplify, match: { action: custom_amplify }, mapping: amplify.js, topic: bad }
        """;

    private static readonly Dictionary<string, string> Mappings = new()
    {
        // Reports whether anything a polluter did is visible: a clean world prints "clean".
        ["good.js"] = """
            function map(event) {
              const dirty = [typeof ({}).title, typeof globalThis.stolen, typeof Array.prototype.evil, String(JSON.stringify === undefined)];
              return { title: 'good ' + event.user.username, message: dirty.join(',') === 'undefined,undefined,undefined,false' ? 'clean' : 'dirty: ' + dirty };
            }
            """,
        ["loop.js"] = "function map() { while (true) {} }",
        ["alloc.js"] = "function map() { const a = []; for (;;) a.push(new Array(1000).fill('xxxxxxxx')); }",
        ["recursion.js"] = "function map() { function f(n) { return f(n + 1) + 1; } return f(0); }",
        ["pollute.js"] = """
            function map() {
              Object.prototype.title = 'polluted';
              globalThis.stolen = 1;
              Array.prototype.evil = 1;
              JSON.stringify = undefined;
              return null;
            }
            """,
        ["amplify.js"] = "function map() { return { title: 'x'.repeat(2 ** 28) + [].concat(new Array(50000).fill('y'.repeat(100000))).join('') }; }",
    };

    private static readonly string[] HostileActions = ["custom_loop", "custom_alloc", "custom_recursion", "custom_pollute", "custom_amplify"];

    [Fact]
    public async Task HostileMappingsDoNotStopGoodOnesOrLeakIntoThem()
    {
        const int Rounds = 6;
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, Mappings);

        // Every round posts one good event and one of each hostile kind, all at once.
        var posts = new List<Task<HttpResponseMessage>>();
        for (var round = 0; round < Rounds; round++)
        {
            posts.Add(bridge.PostHookAsync("authentik", Event("login", $"user{round}")));
            foreach (var action in HostileActions) posts.Add(bridge.PostHookAsync("authentik", Event(action, $"attacker{round}")));
        }
        var responses = await Task.WhenAll(posts);
        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));

            // While the hostile runs are processed the service still answers.
            using var health = await bridge.Client.GetAsync(new Uri("/healthz", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

            var delivered = await ntfy.WaitForMessagesAsync(Rounds, TimeSpan.FromSeconds(60));
            Assert.Equal(Enumerable.Range(0, Rounds).Select(i => $"good user{i}").Order(), delivered.Select(m => m.Text("title")!).Order());
            Assert.All(delivered, m => Assert.Equal("clean", m.Text("message")));
            Assert.All(delivered, m => Assert.Equal("good", m.Topic));

            // Each hostile run ends as a limit (or, for the polluter, as a quiet null), and is logged as such.
            // (The endless loop meets the statement limit before the timeout; either is a limit.)
            foreach (var (file, kind) in new[] { ("loop.js", "limit: "), ("alloc.js", "limit: memory"), ("recursion.js", "limit: recursion"), ("amplify.js", "limit: string length") })
                await bridge.Logs.WaitForAsync(e => e.RenderMessage().Contains(file, StringComparison.Ordinal) && e.RenderMessage().Contains(kind, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }
    }

    private static byte[] Event(string action, string username) => Encoding.UTF8.GetBytes(
        $$$"""{"pk": "{{{Guid.NewGuid():N}}}", "action": "{{{action}}}", "user": {"pk": 1, "username": "{{{username}}}"}, "context": {}}""");
}
