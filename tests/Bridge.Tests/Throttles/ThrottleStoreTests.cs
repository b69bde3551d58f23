using Bridge.Configuration;
using Bridge.Storage;
using Bridge.Tests.Storage;
using Bridge.Tests.Support;
using Bridge.Throttles;

namespace Bridge.Tests.Throttles;

/// <summary>
/// What both engines do alike with throttles: commits racing on one period pass at most max between them (each in a
/// transaction of its own, as two instances' would be), the others are held with the reason, the period's latest held
/// event survives the purge, and the period's digest is made once.
/// </summary>
public abstract class ThrottleStoreContractTests
{
    private static readonly ThrottleConfig Limit = new(5, TimeSpan.FromMinutes(10), ["user.username"]);

    private protected abstract Task<StoreTestKit> OpenAsync();

    [Fact]
    public async Task RacingCommitsPassAtMostMaxPerPeriodAndThePeriodsDigestIsMadeOnce()
    {
        await using var kit = await OpenAsync();
        var now = kit.Time.GetUtcNow();
        var runs = new List<MappedRule>();
        for (var i = 0; i < 12; i++)
        {
            var e = StoreTestKit.Event() with { Id = $"event-{i}" };
            var accepted = await kit.Store.Events.AcceptEventAsync(kit.New(e, "r"), CancellationToken.None);
            runs.Add(new MappedRule(accepted.Seq, "r", [new NewMessage("r", 0, "ntfy", "t", "{\"topic\":\"t\"}"u8.ToArray(), MessageStatus.Pending, null, now)], null)
            {
                Throttle = ThrottleClaim.For("r", "m.js", Limit, e),
            });
        }

        await Task.WhenAll(runs.Select(run => kit.Store.Events.CommitMappedAsync([run], now, CancellationToken.None)));

        Assert.Equal(5L, await kit.CountAsync("messages"));
        Assert.Equal(12L, await kit.CountAsync("events", "status = 1"));
        Assert.Equal(7L, await kit.CountAsync("events", "mapping_log LIKE '%throttled: over 5 per 10m for user.username=%; counted into the digest due at 2026-03-01T12:10:00Z%'"));
        Assert.Empty(await kit.Store.Throttles.SendDueAsync(now.AddMinutes(9), _ => throw new InvalidOperationException("not due"), CancellationToken.None));

        kit.Time.Advance(TimeSpan.FromDays(2));
        await kit.Store.Retention.PurgeAsync(kit.Time.GetUtcNow(), kit.Time.GetUtcNow(), CancellationToken.None);
        var end = now.AddMinutes(10);
        var digest = Assert.Single(await kit.Store.Throttles.SendDueAsync(kit.Time.GetUtcNow(),
            d => [new NewMessage(d.Rule, 1000, "ntfy", "t", "{\"topic\":\"t\"}"u8.ToArray(), MessageStatus.Pending, null, d.Until)], CancellationToken.None));

        Assert.Equal((7L, 5L, now, end), (digest.Held, digest.Passed, digest.From, digest.Until));
        Assert.Equal([runs[0].Throttle!.Event.User!.Username], digest.Key);
        Assert.NotNull(digest.LastEvent);
        Assert.Equal(Bridge.Incidents.IncidentLogic.MaxSamples, digest.State.Samples.Count);
        Assert.Equal(6L, await kit.CountAsync("messages"));
        Assert.Empty(await kit.Store.Throttles.SendDueAsync(kit.Time.GetUtcNow(), _ => throw new InvalidOperationException("made twice"), CancellationToken.None));
        Assert.Equal(0L, await kit.CountAsync("throttles"));
    }
}

public sealed class SqliteThrottleStoreContractTests : ThrottleStoreContractTests
{
    private protected override Task<StoreTestKit> OpenAsync() => StoreTestKit.OpenAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresThrottleStoreContractTests(PostgresServer server) : ThrottleStoreContractTests
{
    private protected override Task<StoreTestKit> OpenAsync() => StoreTestKit.OpenAsync(server);
}
