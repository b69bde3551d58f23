namespace Bridge.Configuration;

/// <summary>Which engine keeps the store.</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file, owned by one bridge process (the default).</summary>
    Sqlite,
    /// <summary>A PostgreSQL database that several bridge instances share.</summary>
    Postgres,
}

/// <summary>The store that makes a 202 a promise: accepted events, their messages and every delivery attempt.</summary>
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

    public StorageProvider Provider { get; init; } = StorageProvider.Sqlite;

    /// <summary>The Npgsql connection string (PostgreSQL only); it may hold a password, so it is one of the config's secrets.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>
    /// PostgreSQL only: whether committing due messages wakes idle delivery workers of every instance (<c>LISTEN/NOTIFY</c>).
    /// Off for PgBouncer's transaction pooling, which cannot hold a <c>LISTEN</c>: the workers then only poll.
    /// </summary>
    public bool Notify { get; init; } = true;

    /// <summary>
    /// PostgreSQL only: how long an instance's claim on a message it sends (or an event it maps) holds should the instance
    /// die before it finishes; the other instances take the work over after it. Longer than any send (a destination's
    /// timeout and one reset retry), or a slow send is taken over and sent twice.
    /// </summary>
    public TimeSpan Lease { get; init; } = DefaultLease;

    public static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(5);

    /// <summary>The connection string's password, when it names one (masked in logs like every secret).</summary>
    public string? Password => ConnectionString is null ? null : new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Password;

    /// <summary>Where the store is, for the start-up log and <c>bridge check</c>: the file, or the database without its password.</summary>
    public string Description
    {
        get
        {
            if (Provider == StorageProvider.Sqlite) return Path;
            var shown = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Password = null };
            return $"PostgreSQL {shown.ConnectionString}";
        }
    }

    public bool IsInMemory => Provider == StorageProvider.Sqlite && Path == InMemoryPath;

    /// <summary>The defaults, with the file under <paramref name="baseDirectory"/>.</summary>
    public static StorageConfig Under(string baseDirectory) =>
        new(System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, DefaultRelativePath)), DefaultRetention, DefaultDedupeWindow);
}
