namespace Bridge.Configuration;

/// <summary>The embedded store that makes a 202 a promise: accepted events, their messages and every delivery attempt.</summary>
/// <param name="Path">The SQLite file, created with its folder on first start. Default <c>data/bridge.db</c> next to the
/// config file (under the working directory for the embedded sample). <c>:memory:</c> keeps nothing on disk: for benchmarks only.</param>
/// <param name="Retention">Delivered messages (and events with nothing left to deliver) are purged after this. Dead ones are
/// kept until replayed or deleted. Default 7 days.</param>
/// <param name="DedupeWindow">A copy of an event already committed within this window is answered 202 as a duplicate and
/// sends nothing. Default 10 minutes; 0 turns de-duplication off.</param>
public sealed record StorageConfig(string Path, TimeSpan Retention, TimeSpan DedupeWindow)
{
    public const string DefaultRelativePath = "data/bridge.db";
    public const string InMemoryPath = ":memory:";
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(7);
    public static readonly TimeSpan DefaultDedupeWindow = TimeSpan.FromMinutes(10);

    public bool IsInMemory => Path == InMemoryPath;

    /// <summary>The defaults, with the file under <paramref name="baseDirectory"/>.</summary>
    public static StorageConfig Under(string baseDirectory) =>
        new(System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, DefaultRelativePath)), DefaultRetention, DefaultDedupeWindow);
}
