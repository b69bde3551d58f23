using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Rules;
using Bridge.Storage;
using Bridge.Storage.Postgres;
using Bridge.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Bridge.Tests.Storage;

/// <summary>A real store (a SQLite file in a temp folder, or a PostgreSQL database of its own), and events to put in it.</summary>
internal sealed class StoreTestKit : IAsyncDisposable
{
    public static readonly SourceConfig Authentik = new("authentik", SourceFormat.Authentik, ["t"], false, null, null);

    private readonly TempDirectory _directory = new();

    /// <summary>The PostgreSQL database; null for SQLite.</summary>
    private readonly string? _connectionString;

    /// <summary>Whether the PostgreSQL store keeps time by the database's clock (production) rather than <see cref="Time"/>.</summary>
    private readonly bool _databaseClock;

    private StoreTestKit(string? connectionString, bool databaseClock = false)
    {
        _connectionString = connectionString;
        _databaseClock = databaseClock;
    }

    /// <summary>The PostgreSQL database's connection string.</summary>
    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("a SQLite kit has no connection string");

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public string Path => System.IO.Path.Combine(_directory.Path, "data", "bridge.db");

    /// <summary>The store's parts; <see cref="Engine"/> is the SQLite file behind them.</summary>
    public BridgeStore Store { get; private set; } = null!;

    public SqliteStore Engine => (SqliteStore)Store.Engine;

    public static async Task<StoreTestKit> OpenAsync()
    {
        var kit = new StoreTestKit(null);
        await kit.ReopenAsync();
        return kit;
    }

    /// <summary>A PostgreSQL store in a new database of <paramref name="server"/>, keeping time by <see cref="Time"/> or the database.</summary>
    public static async Task<StoreTestKit> OpenAsync(PostgresServer server, bool databaseClock = false)
    {
        var kit = new StoreTestKit(await server.CreateDatabaseAsync(), databaseClock);
        await kit.ReopenAsync();
        return kit;
    }

    /// <summary>Closes the store and opens the same file (database) again, as a restart does.</summary>
    public async Task ReopenAsync()
    {
        if (Store is not null) await Store.DisposeAsync();
        Store = _connectionString is null
            ? SqliteStore.Open(Path, Time, NullLogger<SqliteStore>.Instance)
            : PostgresStore.Open(_connectionString, _databaseClock ? null : Time, notify: true, NullLogger<PostgresStore>.Instance);
    }

    /// <summary>Rows of <paramref name="table"/> matching <paramref name="where"/>, read from outside the store.</summary>
    public async Task<long> CountAsync(string table, string where = "1 = 1") => await ScalarAsync($"SELECT COUNT(*) FROM {table} WHERE {where}");

    /// <summary>A number the SQL reads, from outside the store (SQL both engines speak).</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        if (_connectionString is null) return Convert.ToInt64(SqliteFile.Scalar(Path, sql), System.Globalization.CultureInfo.InvariantCulture);
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static BridgeEvent Event(string payload = "event-login-admin.json")
    {
        using var doc = JsonDocument.Parse(TestPaths.ReadAuthentikPayload(payload));
        return EventNormalizer.Normalize(Authentik, doc.RootElement, TimeProvider.System.GetUtcNow()).Event!;
    }

    public NewEvent New(BridgeEvent e, params string[] matchedRules) =>
        new(e, [.. matchedRules.Select(r => new RuleVerdict(r, true, null))], DedupeKeys.For(e, SourceFormat.Authentik), Time.GetUtcNow(), TimeSpan.FromMinutes(10));

    /// <summary>Claims what is due for destination ntfy, by sequence, under a one-minute lease.</summary>
    public Task<IReadOnlyList<OutboxLease>> ClaimAsync(DateTimeOffset now, int limit = 10) =>
        Store.Outbox.ClaimAsync("ntfy", ClaimOrder.BySequence, now, limit, TimeSpan.FromMinutes(1), CancellationToken.None);

    public static string? SequenceOf(OutboxLease lease) =>
        JsonDocument.Parse(lease.Message.Body!).RootElement.TryGetProperty("sequence_id", out var s) ? s.GetString() : null;

    public static Settlement Delivered(OutboxLease lease, DateTimeOffset now) =>
        new(lease, new AttemptRecord(lease.Message.Id, now, "delivered", 200, null, "ntfy id x", TimeSpan.FromMilliseconds(5)),
            new MessageUpdate(MessageStatus.Delivered, 1, now, null, null));

    /// <summary>One event whose rule made these messages (topic, sequence_id) to destination ntfy, in this order.</summary>
    public async Task<long> AddMessagesAsync(params (string Topic, string? SequenceId)[] messages)
    {
        var now = Time.GetUtcNow();
        var accepted = await Store.Events.AcceptEventAsync(New(Event() with { Id = Guid.NewGuid().ToString() }, "r"), CancellationToken.None);
        var made = messages.Select((m, i) => new NewMessage("r", i, "ntfy", m.Topic,
            System.Text.Encoding.UTF8.GetBytes(m.SequenceId is null ? $"{{\"topic\":\"{m.Topic}\"}}" : $"{{\"topic\":\"{m.Topic}\",\"sequence_id\":\"{m.SequenceId}\"}}"),
            MessageStatus.Pending, null, now, m.SequenceId)).ToList();
        await Store.Events.CommitMappedAsync([new MappedRule(accepted.Seq, "r", made, null)], now, CancellationToken.None);
        return accepted.Seq;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _directory.Dispose();
    }
}
