namespace Bridge.Storage;

/// <summary>
/// The store, cut along its users' jobs: the event log (ingest, processor), the events waiting for groups, the outbox (delivery), the admin queries,
/// retention, and health. Each user sees only its part; another engine provides the same parts. Disposing it closes
/// the engine behind them.
/// </summary>
public sealed record BridgeStore(IEventLog Events, IOutbox Outbox, IAdminStore Admin, IStoreRetention Retention, IStoreHealth Health, IAsyncDisposable Engine)
    : IAsyncDisposable
{
    /// <summary>Events waiting for their user's groups (Authentik's API), persisted so a restart keeps the wait.</summary>
    public required IGroupWaits GroupWaits { get; init; }

    /// <summary>Each destination's trip, pause, probe and hold, one for every bridge delivering from this store.</summary>
    public required IDestinationStates DestinationStates { get; init; }

    /// <summary>The incident cards of grouped rules that the clock, not an event, makes due.</summary>
    public required IIncidents Incidents { get; init; }

    /// <summary>The mute buttons' signing key and the tokens used.</summary>
    public required IMuteTokens MuteTokens { get; init; }

    /// <summary>The periods of throttled rules and the digests their ends make due.</summary>
    public required IThrottles Throttles { get; init; }

    public ValueTask DisposeAsync() => Engine.DisposeAsync();
}
