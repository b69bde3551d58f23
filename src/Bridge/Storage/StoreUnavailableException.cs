namespace Bridge.Storage;

/// <summary>The store could not commit (disk full, database locked, file corrupt). Nothing of the failed write was kept.</summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException() { }

    public StoreUnavailableException(string message) : base(message) { }

    public StoreUnavailableException(string message, Exception inner) : base(message, inner) { }
}
