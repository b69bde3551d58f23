using Bridge.Storage;
using Bridge.Storage.Postgres;
using Bridge.Tests.Support;
using Npgsql;

namespace Bridge.Tests.Cluster;

/// <summary>
/// Two bridge hosts whose destination states are one row in PostgreSQL: ntfy refuses their token, they pause together,
/// and once the token is fixed exactly one of them sends the probe while the other waits for its answer; after it
/// works, both deliver what waited.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedDestinationStateTests(PostgresServer server) : IAsyncLifetime
{
    private const string Config = """
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            timeout: 5s
            retry: { schedule: [0s, 10ms] }
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - name: admin-login
            source: authentik
            match: { action: login, group: authentik Admins }
            mapping: admin-login.js
            topic: gauth
        """;

    private const string WrongToken = "tk_wrongwrongwrongwrongwrong1";

    private NpgsqlDataSource _data = null!;

    public async Task InitializeAsync()
    {
        _data = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        await PostgresMigrations.ApplyAsync(_data, default);
    }

    public async Task DisposeAsync() => await _data.DisposeAsync();

    [Fact]
    public async Task TwoBridgesOnOneDatabasePauseTogetherSendOneProbeAtATimeAndBothResumeOnceTheTokenWorks()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var a = await StartAsync(ntfy);
        await using var b = await StartAsync(ntfy);

        Assert.Equal("202", await LoginHooks.TryPostAsync(a.Client, 1));
        Assert.Equal("202", await LoginHooks.TryPostAsync(b.Client, 2));
        await Task.WhenAll(Refused(a), Refused(b));
        // The pause is one change, made by whichever refusal came first; the other instance found it made.
        Assert.Equal(1, Paused(a) + Paused(b));
        var shared = await new PostgresDestinationStates(_data, TimeProvider.System).GetAsync("ntfy", default);
        Assert.Equal(DestinationMode.Paused, shared.Mode);

        // The token is fixed on a first: it probes at once, and ntfy holds that probe unanswered.
        var probe = ntfy.HoldNext();
        var requests = ntfy.Requests;
        await ReloadAsync(a, Config.Replace("${NTFY_TOKEN:-}", ntfy.Token!, StringComparison.Ordinal));
        await probe.Arrived;
        // Then on b, which would probe at once too were a's probe not out: it waits and looks again every second.
        await ReloadAsync(b, Config.Replace("${NTFY_TOKEN:-}", ntfy.Token!, StringComparison.Ordinal));
        // Two rounds of b's delivery loop after the reload: the second certainly ran on the fixed config.
        await b.Logs.WaitForCountAsync(Idle, b.Logs.Events.Count(Idle) + 2);
        // Nothing came beside the held probe (which the fake counts once it answers it).
        Assert.Equal(requests, ntfy.Requests);
        Assert.NotNull((await new PostgresDestinationStates(_data, TimeProvider.System).GetAsync("ntfy", default)).ProbeOwner);

        probe.Release();
        var delivered = await ntfy.WaitForMessagesAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal(new[] { LoginHooks.SequenceId(1), LoginHooks.SequenceId(2) }.Order(StringComparer.Ordinal), delivered.Select(m => m.Text("sequence_id")!).Order(StringComparer.Ordinal));
        Assert.Equal(DestinationMode.Healthy, (await new PostgresDestinationStates(_data, TimeProvider.System).GetAsync("ntfy", default)).Mode);
    }

    private async Task<BridgeTestHost> StartAsync(FakeNtfy ntfy) =>
        await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(
            WrapStore: store => store with { DestinationStates = new PostgresDestinationStates(_data, TimeProvider.System) },
            Environment: new Dictionary<string, string> { ["NTFY_TOKEN"] = WrongToken }));

    /// <summary>The host's send was refused and recorded (the pause, when this host made it, is logged before).</summary>
    private static Task<Serilog.Events.LogEvent> Refused(BridgeTestHost host) =>
        host.Logs.WaitForAsync(e => e.RenderMessage() is var text && text.StartsWith("Attempt", StringComparison.Ordinal) && text.Contains("HTTP 401", StringComparison.Ordinal));

    private static bool Idle(Serilog.Events.LogEvent e) => e.RenderMessage().StartsWith("Delivery idle until", StringComparison.Ordinal);

    private static int Paused(BridgeTestHost host) => host.Logs.Events.Count(e => e.RenderMessage().StartsWith("PAUSED destination", StringComparison.Ordinal));

    private static async Task ReloadAsync(BridgeTestHost bridge, string yaml)
    {
        var earlier = bridge.Logs.Events.ToHashSet();
        var reloaded = bridge.Logs.WaitForAsync(e => !earlier.Contains(e) && e.RenderMessage().StartsWith("Configuration reloaded", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(bridge.Directory, "bridge.yaml"), yaml);
        await reloaded;
    }
}
