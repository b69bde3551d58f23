using System.Collections.Concurrent;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;
using Xunit.Abstractions;

namespace Bridge.Tests.Crash;

/// <summary>
/// The promise under the worst conditions a test can make: the bridge is SIGKILLed while events pour in and ntfy is
/// down. Every event that got a 202 must be delivered after the restart.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Events = 300;

    /// <summary>The kill comes once this many events have been answered 202.</summary>
    private const int KillAfter = 150;

    [Fact]
    public async Task EveryEventAnswered202BeforeASigkillIsDeliveredAfterTheRestart()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        ntfy.Down = true;
        using var directory = new TempDirectory();
        foreach (var file in Directory.EnumerateFiles(TestPaths.Mappings)) directory.Write(Path.Combine("mappings", Path.GetFileName(file)), File.ReadAllText(file));
        var config = directory.Write("bridge.yaml", EndToEndConfigs.AdminLogin
            .Replace("retry: { schedule: [0s, 10ms, 50ms, 50ms] }", "retry: { schedule: [0s, 100ms, 200ms, 400ms, 800ms, 1s, 1s, 1s, 1s, 1s] }", StringComparison.Ordinal));
        var environment = new Dictionary<string, string>
        {
            ["NTFY_URL"] = ntfy.Url.ToString(),
            ["NTFY_TOKEN"] = ntfy.Token!,
            ["HOOK_TOKEN"] = BridgeTestHost.HookToken,
            ["BRIDGE_LOG_LEVEL"] = "Warning",
        };

        var accepted = new ConcurrentDictionary<int, bool>();
        var first = await BridgeProcess.StartAsync(config, environment);
        await using (first)
        {
            using var client = new HttpClient { BaseAddress = first.Url };
            var next = -1;
            var killed = 0;
            // Eight senders at once, as a busy Authentik would; the kill lands while requests are in flight.
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < Events && Volatile.Read(ref killed) == 0)
                {
                    if (await LoginHooks.TryPostAsync(client, i) == "202") accepted[i] = true;
                    if (accepted.Count >= KillAfter && Interlocked.Exchange(ref killed, 1) == 0) first.Kill();
                }
            })));
            output.WriteLine($"killed after {accepted.Count} events were answered 202 (of {next} sent)");
            Assert.True(accepted.Count >= KillAfter);
        }

        // On a free port of its own: the killed one's may meanwhile be taken by another test's server.
        await using var second = await BridgeProcess.StartAsync(config, environment);
        var refused = new List<string>();
        using (var client = new HttpClient { BaseAddress = second.Url })
        {
            // What Authentik does for the events that got no 202: it sends them again.
            for (var i = 0; i < Events; i++)
            {
                if (accepted.ContainsKey(i)) continue;
                var answer = await LoginHooks.TryPostAsync(client, i);
                if (answer == "202") accepted[i] = true;
                else refused.Add($"event {i}: {answer}");
            }
        }
        Assert.True(refused.Count == 0, $"after the restart, {refused.Count} events got no 202:\n{string.Join('\n', refused.Take(10))}\n{second.Output}");
        Assert.Equal(Events, accepted.Count);
        ntfy.Down = false;

        var expected = Enumerable.Range(0, Events).Select(LoginHooks.SequenceId).ToHashSet();
        var seen = new List<string>();
        try
        {
            while (!expected.IsSubsetOf(seen)) seen.AddRange((await ntfy.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60))).Select(m => m.Text("sequence_id")!));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{expected.Except(seen).Count()} of {Events} accepted events were never delivered\n{second.Output}");
        }
        var duplicates = seen.Count - seen.Distinct().Count();
        output.WriteLine($"{Events} events delivered; {duplicates} duplicate notifications");
        // ntfy was down until after the restart, so nothing had been delivered that a restart could send again.
        Assert.True(duplicates <= Events / 100, $"{duplicates} duplicates");
    }
}
