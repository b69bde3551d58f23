namespace Bridge.Storage;

/// <summary>What the retention purge needs: delete what no one has to keep any longer.</summary>
public interface IStoreRetention
{
    /// <summary>Deletes delivered messages and finished events older than <paramref name="before"/>, and expired de-duplication keys.</summary>
    Task<PurgeResult> PurgeAsync(DateTimeOffset before, DateTimeOffset now, CancellationToken ct);
}
