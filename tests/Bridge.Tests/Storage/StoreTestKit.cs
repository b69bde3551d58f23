using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Rules;
using Bridge.Storage;
using Bridge.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Storage;

/// <summary>A real store file in a temp folder, and events to put in it.</summary>
internal sealed class StoreTestKit : IAsyncDisposable
{
    public static readonly SourceConfig Authentik = new("authentik", SourceFormat.Authentik, ["t"], false, null, null);

    private readonly TempDirectory _directory = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public string Path => System.IO.Path.Combine(_directory.Path, "data", "bridge.db");

    /// <summary>The store's parts; <see cref="Engine"/> is the SQLite file behind them.</summary>
    public BridgeStore Store { get; private set; } = null!;

    public SqliteStore Engine => (SqliteStore)Store.Engine;

    public static async Task<StoreTestKit> OpenAsync()
    {
        var kit = new StoreTestKit();
        await kit.ReopenAsync();
        return kit;
    }

    /// <summary>Closes the store and opens the same file again, as a restart does.</summary>
    public async Task ReopenAsync()
    {
        if (Store is not null) await Store.DisposeAsync();
        Store = SqliteStore.Open(Path, Time, NullLogger<SqliteStore>.Instance);
    }

    public static BridgeEvent Event(string payload = "event-login-admin.json")
    {
        using var doc = JsonDocument.Parse(TestPaths.ReadAuthentikPayload(payload));
        return EventNormalizer.Normalize(Authentik, doc.RootElement, TimeProvider.System.GetUtcNow()).Event!;
    }

    public NewEvent New(BridgeEvent e, params string[] matchedRules) =>
        new(e, [.. matchedRules.Select(r => new RuleVerdict(r, true, null))], DedupeKeys.For(e, SourceFormat.Authentik), Time.GetUtcNow(), TimeSpan.FromMinutes(10));

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _directory.Dispose();
    }
}
