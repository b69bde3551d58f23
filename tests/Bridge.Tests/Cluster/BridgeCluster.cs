using System.Collections.Concurrent;
using Bridge.Tests.Support;

namespace Bridge.Tests.Cluster;

/// <summary>
/// Bridge processes (the built <c>bridge.dll</c>, <c>serve</c>) started on one config and so on one store, each
/// delivering to a fake ntfy of its own, so every notification says which instance sent it. A test posts numbered
/// admin-login events (<see cref="LoginHooks"/>) across the live instances, SIGKILLs one, and waits until the fakes
/// together got every accepted event.
/// </summary>
public sealed class BridgeCluster : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly List<ClusterNode> _nodes = [];
    private readonly IReadOnlyDictionary<string, string> _environment;

    /// <param name="config">The bridge config (<c>${NTFY_URL}</c>, <c>${NTFY_TOKEN}</c> and <c>${HOOK_TOKEN}</c> are each instance's).</param>
    /// <param name="environment">More environment for every instance (a connection string).</param>
    public BridgeCluster(string config, IReadOnlyDictionary<string, string>? environment = null)
    {
        foreach (var file in Directory.EnumerateFiles(TestPaths.Mappings)) _directory.Write(Path.Combine("mappings", Path.GetFileName(file)), File.ReadAllText(file));
        ConfigPath = _directory.Write("bridge.yaml", config);
        _environment = environment ?? new Dictionary<string, string>();
    }

    public string ConfigPath { get; }

    /// <summary>Every instance started, in order, the killed ones too (their fakes keep what they received).</summary>
    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    /// <summary>Starts one more instance and waits until it serves.</summary>
    public async Task<ClusterNode> StartAsync()
    {
        var ntfy = await FakeNtfy.StartAsync();
        var environment = new Dictionary<string, string>(_environment)
        {
            ["NTFY_URL"] = ntfy.Url.ToString(),
            ["NTFY_TOKEN"] = ntfy.Token!,
            ["HOOK_TOKEN"] = BridgeTestHost.HookToken,
            ["BRIDGE_LOG_LEVEL"] = "Warning",
        };
        BridgeProcess process;
        try
        {
            process = await BridgeProcess.StartAsync(ConfigPath, environment);
        }
        catch
        {
            await ntfy.DisposeAsync();
            throw;
        }
        var node = new ClusterNode(_nodes.Count, process, ntfy);
        _nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Posts <paramref name="events"/> from <paramref name="senders"/> senders at once, each event to the next live
    /// instance in turn, as a load balancer would. <paramref name="onAccepted"/> sees the count of 202s so far after
    /// each one (a test kills an instance there, mid-stream).
    /// </summary>
    /// <returns>The events answered 202, each with the instance that answered.</returns>
    public Task<IReadOnlyDictionary<int, int>> PostAsync(IReadOnlyList<int> events, int senders, Action<int>? onAccepted = null) =>
        PostAsync(events, senders, new ConcurrentDictionary<int, string>(), onAccepted);

    /// <summary>
    /// What Authentik does for the events that got no 202: it sends them again, here up to <paramref name="rounds"/>
    /// times each, to the live instances.
    /// </summary>
    /// <returns>The events answered 202, each with the instance that answered; fails naming the answers if any never was.</returns>
    public async Task<IReadOnlyDictionary<int, int>> ResendAsync(IEnumerable<int> events, int senders, int rounds = 3)
    {
        var accepted = new Dictionary<int, int>();
        var refused = new ConcurrentDictionary<int, string>();
        var left = events.ToList();
        for (var round = 0; round < rounds && left.Count > 0; round++)
        {
            foreach (var (i, node) in await PostAsync(left, senders, refused, null)) accepted[i] = node;
            left = [.. left.Where(i => !accepted.ContainsKey(i))];
        }
        if (left.Count > 0)
            throw new InvalidOperationException($"{left.Count} events got no 202 in {rounds} tries; the last answers: "
                + string.Join("; ", left.Take(5).Select(i => $"event {i}: {refused.GetValueOrDefault(i)}")));
        return accepted;
    }

    private async Task<IReadOnlyDictionary<int, int>> PostAsync(IReadOnlyList<int> events, int senders, ConcurrentDictionary<int, string> refused, Action<int>? onAccepted)
    {
        var accepted = new ConcurrentDictionary<int, int>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < events.Count)
            {
                var live = _nodes.Where(n => !n.Killed).ToList();
                if (live.Count == 0) return;
                var node = live[i % live.Count];
                var answer = await LoginHooks.TryPostAsync(node.Client, events[i]);
                if (answer != "202")
                {
                    refused[events[i]] = answer;
                    continue;
                }
                accepted[events[i]] = node.Index;
                onAccepted?.Invoke(accepted.Count);
            }
        })));
        return accepted;
    }

    /// <summary>Waits until the fakes together received every one of <paramref name="events"/>; fails after <paramref name="within"/> saying which are missing.</summary>
    /// <returns>Every notification received, with the instance that sent it.</returns>
    public async Task<IReadOnlyList<ClusterDelivery>> WaitForDeliveriesAsync(IEnumerable<int> events, TimeSpan within)
    {
        var expected = events.Select(LoginHooks.SequenceId).ToHashSet(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(within);
        while (true)
        {
            // Taken before looking, so a message accepted meanwhile still wakes the wait.
            var next = Task.WhenAny(_nodes.Select(n => n.Ntfy.NextPublish));
            var delivered = Deliveries();
            var missing = expected.Except(delivered.Select(d => d.SequenceId)).ToList();
            if (missing.Count == 0) return delivered;
            try
            {
                await next.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{missing.Count} of {expected.Count} accepted events were never delivered\n"
                    + string.Join("\n", _nodes.Select(n => $"--- instance {n.Index}:\n{n.Process.Output}")));
            }
        }
    }

    /// <summary>What the fakes received so far, with the instance that sent each.</summary>
    public IReadOnlyList<ClusterDelivery> Deliveries() =>
        [.. _nodes.SelectMany(n => n.Ntfy.Published.Select(m => new ClusterDelivery(m.Text("sequence_id")!, n.Index)))];

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>One bridge process of a <see cref="BridgeCluster"/> and the fake ntfy only it delivers to.</summary>
public sealed class ClusterNode(int index, BridgeProcess process, FakeNtfy ntfy) : IAsyncDisposable
{
    public int Index { get; } = index;

    public BridgeProcess Process { get; } = process;

    public FakeNtfy Ntfy { get; } = ntfy;

    public HttpClient Client { get; } = new() { BaseAddress = process.Url };

    private int _killed;

    public bool Killed => Volatile.Read(ref _killed) == 1;

    /// <summary>SIGKILL (once, whoever asks first): no shutdown code runs; what it had on the wire or uncommitted is the others' to finish.</summary>
    public void Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) == 0) Process.Kill();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
        await Ntfy.DisposeAsync();
    }
}

/// <summary>One notification a fake received: the event's <c>sequence_id</c> and the instance that sent it.</summary>
public sealed record ClusterDelivery(string SequenceId, int Node);
