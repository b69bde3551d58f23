using System.Net;
using Bridge.Storage;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Storage;

/// <summary>The store's file is checked before the bridge takes events into it: a damaged one refuses the start, with how to recover.</summary>
public sealed class StoreFileCheckTests
{
    private static readonly string Config = EndToEndConfigs.DryRun();

    private static readonly byte[] Event = TestPaths.ReadAuthentikPayload("event-login-admin.json");

    [Fact]
    public async Task ADamagedStoreRefusesTheStartSayingHowToRecover()
    {
        using var directory = new TempDirectory();
        string path;
        await using (var first = await BridgeTestHost.StartAsync(Config, options: new TestHostOptions(Directory: directory)))
        {
            using var accepted = await first.PostHookAsync("authentik", Event);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            path = first.StorePath;
        }
        // Every page after the schema's overwritten: the file still opens, its tables do not read.
        var bytes = await File.ReadAllBytesAsync(path);
        Array.Fill(bytes, (byte)0x5A, 4096, bytes.Length - 4096);
        await File.WriteAllBytesAsync(path, bytes);

        var refused = await Assert.ThrowsAsync<StoreUnavailableException>(() => BridgeTestHost.StartAsync(Config, options: new TestHostOptions(Directory: directory)));

        Assert.Contains("is damaged (SQLite's quick_check", refused.Message, StringComparison.Ordinal);
        Assert.Contains(".backup", refused.Message, StringComparison.Ordinal);
        Assert.Contains(".recover", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthSaysTheStorePassedItsCheck()
    {
        using var directory = new TempDirectory();
        await using (var first = await BridgeTestHost.StartAsync(Config, options: new TestHostOptions(Directory: directory)))
        {
            (await first.PostHookAsync("authentik", Event)).Dispose();
        }
        await using var bridge = await BridgeTestHost.StartAsync(Config, options: new TestHostOptions(Directory: directory));

        var health = await bridge.Client.GetStringAsync("/healthz");

        Assert.StartsWith("Healthy\nstore: ok (quick_check passed at start-up in ", health, StringComparison.Ordinal);
    }

    [Fact]
    public void ACheckThatRunsOutOfTimeIsStoppedAndSaysSo()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "big.db");
        SqliteFile.Execute(path, "CREATE TABLE t (x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO t SELECT randomblob(100) FROM n; CREATE INDEX t_x ON t (x);");

        var state = StoreFileCheck.Verify(path, TimeSpan.Zero);

        Assert.False(state.Checked);
        Assert.StartsWith("not checked: quick_check took longer than 0 s", state.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderThatCannotBeWrittenIsNamedAsSuchNotAsAnotherBridge()
    {
        // sysfs refuses new files even to root, as a read-only volume would.
        var refused = Assert.Throws<StoreUnavailableException>(() => StoreFileCheck.Verify("/sys/fs/bridge.db", StoreFileCheck.QuickCheckBound));

        Assert.StartsWith("cannot write in /sys/fs, where the store /sys/fs/bridge.db is kept", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("another bridge", refused.Message, StringComparison.Ordinal);
    }
}
