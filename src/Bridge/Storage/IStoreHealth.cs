namespace Bridge.Storage;

/// <summary>Whether the store takes writes, as <c>/healthz</c> reports it.</summary>
public interface IStoreHealth
{
    /// <summary>Why the store's last commit failed (disk full, locked...); null while commits succeed.</summary>
    string? LastCommitFailure { get; }
}
