using System.Text.Json;
using Bridge.Incidents;
using Bridge.Storage;
using Bridge.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Tests.Storage;

/// <summary>Incidents on SQLite only: migration 11, and the claims of a process that died.</summary>
public sealed class SqliteIncidentTests
{
    [Fact]
    public async Task ACardClaimedByAProcessThatDiedIsClaimableAtOnceByTheNextOne()
    {
        await using var kit = await StoreTestKit.OpenAsync();
        var now = kit.Time.GetUtcNow();
        var group = new Bridge.Configuration.GroupConfig(["action"], TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.Zero);
        var e = StoreTestKit.Event();
        var seq = (await kit.Store.Events.AcceptEventAsync(kit.New(e, "storm"), CancellationToken.None)).Seq;
        await kit.Store.Events.CommitMappedAsync([new MappedRule(seq, "storm", [], null) { Group = new IncidentJoin("storm", group, e, seq, "k", now) }], now, CancellationToken.None);
        Assert.Single(await kit.Store.Incidents.ClaimDueAsync(now, 10, TimeSpan.FromMinutes(5), CancellationToken.None));

        await kit.ReopenAsync();

        Assert.Single(await kit.Store.Incidents.ClaimDueAsync(now, 10, TimeSpan.FromMinutes(5), CancellationToken.None));
    }

    /// <summary>Migration 11: an incident a bridge of schema 9 left open closes at once with its summary, and its group opens anew.</summary>
    [Fact]
    public async Task AnIncidentOpenAcrossTheUpgradeIsDueToCloseAtOnceWithItsCount()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "bridge.db");
        var at = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var state = new IncidentState("bi0123", "storm", ["alice"], at, at, 7, 1, at, true, [], [], 1, 7);
        var json = JsonSerializer.Serialize(state, StoreJson.Default.IncidentState).Replace("'", "''", StringComparison.Ordinal);
        SqliteFile.AtVersion(path, 9, $"""
            INSERT INTO events (event_id, source, status, received_at, dedupe_key, matched, rules_to_run)
                VALUES ('e', 'authentik', 1, 0, 'k', ',storm,', '["storm"]');
            INSERT INTO event_data (seq, body, event_json, verdicts) VALUES (1, X'7B7D', X'7B7D', '[]');
            INSERT INTO incidents (id, rule, version, last_event_seq, state) VALUES ('bi0123', 'storm', 7, 1, '{json}');
            """);

        await using var store = SqliteStore.Open(path, TimeProvider.System, NullLogger<SqliteStore>.Instance);

        var claimed = Assert.Single(await store.Incidents.ClaimDueAsync(at, 10, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.True(claimed.Superseded);
        Assert.Equal((7L, 1L), (claimed.State.Count, claimed.LastEvent!.Seq));
        var group = new Bridge.Configuration.GroupConfig(["context.username"], TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.Zero);
        Assert.Equal(CardPhase.Close, IncidentLogic.Due(claimed.State, group, at, claimed.Superseded)!.View.Phase);
    }
}
