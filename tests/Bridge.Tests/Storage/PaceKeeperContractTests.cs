using Bridge.Configuration;
using Bridge.Delivery;
using Bridge.Storage;
using Bridge.Storage.Postgres;
using Bridge.Tests.Support;
using Npgsql;

namespace Bridge.Tests.Storage;

/// <summary>
/// A destination's token bucket and hold as the store keeps them, run once per engine: two bridge instances pacing one
/// destination (on SQLite the one process's two workers' views; on PostgreSQL two keepers on one database, as two bridges
/// have) take from one bucket, never more than its burst and refill together, and see each other's slow-down and hold.
/// </summary>
public abstract class PaceKeeperContractTests
{
    private static readonly PaceConfig Rate = PaceConfig.NtfyDefault;

    /// <summary>Two keepers of one store's destination states, both keeping time by <paramref name="time"/>.</summary>
    private protected abstract Task<(IDestinationStates A, IDestinationStates B, IAsyncDisposable Store)> OpenAsync(TimeProvider time);

    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task TwoInstancesTakingTokensAtOnceTakeTheBurstTogetherThenOnlyWhatRefilled()
    {
        var (a, b, store) = await OpenAsync(_time);
        await using var _ = store;
        var paces = new[] { new DestinationPace("ntfy", a), new DestinationPace("ntfy", b) };

        var burst = await TakeConcurrentlyAsync(paces);
        _time.Advance(TimeSpan.FromSeconds(12));
        var refilled = await TakeConcurrentlyAsync(paces);

        Assert.Equal(Rate.Burst, burst);
        // 12 s at one per 5 s: two whole tokens, and the fifth of a third stays in the bucket.
        Assert.Equal(2, refilled);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((1, (DateTimeOffset?)null), await paces[1].TakeAsync(_time.GetUtcNow(), Rate, 4, default));
    }

    [Fact]
    public async Task TokensOneInstanceGivesBackAreTheOthersAndItsTooManyRequestsSlowsBoth()
    {
        var (a, b, store) = await OpenAsync(_time);
        await using var _ = store;
        var (first, second) = (new DestinationPace("ntfy", a), new DestinationPace("ntfy", b));
        var now = _time.GetUtcNow();

        Assert.Equal(Rate.Burst, (await first.TakeAsync(now, Rate, 100, default)).Tokens);
        await first.GiveBackAsync(now, Rate, 2, default);
        Assert.Equal(2, (await second.TakeAsync(now, Rate, 100, default)).Tokens);
        _time.Advance(TimeSpan.FromSeconds(5));
        now = _time.GetUtcNow();
        Assert.Equal((true, TimeSpan.Zero), await first.SlowDownAsync(now, Rate, now, default));

        // The other instance finds the bucket emptied and refilling at half the pace.
        Assert.Equal((0, now + TimeSpan.FromSeconds(10)), await second.TakeAsync(now, Rate, 1, default));
        Assert.Equal(1, second.TimesSlowed);
    }

    [Fact]
    public async Task AQuotaHoldOneInstanceMadeIsSeenByTheOtherWithItsReasonAfterItsBucketMadeTheRow()
    {
        var (a, b, store) = await OpenAsync(_time);
        await using var _ = store;
        var now = _time.GetUtcNow();
        // Pacing first: on PostgreSQL the bucket makes the destination's row before any state change does.
        await new DestinationPace("ntfy", a).TakeAsync(now, Rate, 1, default);

        var held = DestinationState.Healthy with { HoldUntil = NtfyQuota.HoldUntil(now), HoldReason = "ntfy's daily message quota is used up", QuotaHold = true };
        var (swapped, current) = await a.TrySwapAsync("ntfy", DestinationState.Healthy, held, default);

        Assert.True(swapped);
        var seen = await b.GetAsync("ntfy", default);
        Assert.Equal(current, seen);
        Assert.True(seen.QuotaHeld(now));
        Assert.Equal("ntfy's daily message quota is used up", seen.HoldReason);
    }

    /// <summary>Sixteen takers per instance, all at once, each asking for three tokens ten times; the tokens they got in all.</summary>
    private async Task<int> TakeConcurrentlyAsync(DestinationPace[] paces)
    {
        var now = _time.GetUtcNow();
        var takers = paces.SelectMany(pace => Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            var taken = 0;
            for (var i = 0; i < 10; i++) taken += (await pace.TakeAsync(now, Rate, 3, default)).Tokens;
            return taken;
        })));
        return (await Task.WhenAll(takers)).Sum();
    }
}

/// <summary>On the embedded engine: one process, so both instances are its workers' views of one in-memory keeper.</summary>
public sealed class SqlitePaceKeeperContractTests : PaceKeeperContractTests
{
    private protected override async Task<(IDestinationStates A, IDestinationStates B, IAsyncDisposable Store)> OpenAsync(TimeProvider time)
    {
        var kit = await StoreTestKit.OpenAsync();
        return (kit.Store.DestinationStates, kit.Store.DestinationStates, kit);
    }
}

/// <summary>On a real PostgreSQL server: two keepers on their own connection pools, one database, as two bridges have.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresPaceKeeperContractTests(PostgresServer server) : PaceKeeperContractTests
{
    private protected override async Task<(IDestinationStates A, IDestinationStates B, IAsyncDisposable Store)> OpenAsync(TimeProvider time)
    {
        var database = await server.CreateDatabaseAsync();
        var first = NpgsqlDataSource.Create(database);
        await PostgresMigrations.ApplyAsync(first, default);
        var second = NpgsqlDataSource.Create(database);
        return (new PostgresDestinationStates(first, time), new PostgresDestinationStates(second, time), new Both(first, second));
    }

    [Fact]
    public async Task OnTheDatabasesClockTwoInstancesNeverTakeMoreThanTheBurstAndWhatRefilledMeanwhile()
    {
        var database = await server.CreateDatabaseAsync();
        await using var first = NpgsqlDataSource.Create(database);
        await PostgresMigrations.ApplyAsync(first, default);
        await using var second = NpgsqlDataSource.Create(database);
        // A fast pace, so real time refills a few tokens while they take: one per 20 ms after a burst of 10.
        var rate = new PaceConfig(10, TimeSpan.FromMilliseconds(20));
        var paces = new[] { new DestinationPace("ntfy", new PostgresDestinationStates(first, null)), new DestinationPace("ntfy", new PostgresDestinationStates(second, null)) };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var takers = paces.SelectMany(pace => Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var taken = 0;
            for (var i = 0; i < 20; i++) taken += (await pace.TakeAsync(TimeProvider.System.GetUtcNow(), rate, 2, default)).Tokens;
            return taken;
        })));
        var total = (await Task.WhenAll(takers)).Sum();
        var elapsed = clock.Elapsed;

        Assert.InRange(total, rate.Burst, rate.Burst + (int)(elapsed / rate.Per) + 1);
    }

    private sealed class Both(NpgsqlDataSource first, NpgsqlDataSource second) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }
    }
}
