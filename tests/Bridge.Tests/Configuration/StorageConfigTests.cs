using Bridge.Configuration;

namespace Bridge.Tests.Configuration;

/// <summary>The <c>storage</c> section, the persisted retry schedule and the admin token, with their defaults and errors.</summary>
public sealed class StorageConfigTests
{
    private const string Minimal = """
        sources:
          authentik: { token: abc }
        destinations:
          ntfy: { url: "https://ntfy.example.com" }
        rules:
          - name: all
        """;

    private static ConfigLoadResult Load(string yaml) =>
        ConfigLoader.Load(yaml, "/etc/bridge/bridge.yaml", "/etc/bridge", new EnvInterpolator(_ => null));

    [Fact]
    public void WithoutAStorageSectionTheStoreIsDataBridgeDbNextToTheConfig()
    {
        var storage = Load(Minimal).Config!.Storage;

        Assert.Equal(Path.GetFullPath("/etc/bridge/data/bridge.db"), storage.Path);
        Assert.Equal(TimeSpan.FromDays(7), storage.Retention);
        Assert.Equal(TimeSpan.FromMinutes(10), storage.DedupeWindow);
    }

    [Fact]
    public void StorageKeysAreReadAndARelativePathResolvesAgainstTheConfigFolder()
    {
        var storage = Load(Minimal + "\nstorage: { path: state/q.db, retention: 14d, dedupe_window: 0s }").Config!.Storage;

        Assert.Equal(Path.GetFullPath("/etc/bridge/state/q.db"), storage.Path);
        Assert.Equal(TimeSpan.FromDays(14), storage.Retention);
        Assert.Equal(TimeSpan.Zero, storage.DedupeWindow);
    }

    [Fact]
    public void StorageErrorsAreCollectedWithTheirPaths()
    {
        var errors = Load(Minimal + "\nstorage: { path: \"\", retention: forever, keep: all }").Errors.Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.StartsWith("storage.path: is empty", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("storage.retention: \"forever\" is not a duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("storage.keep: unknown key (known keys: path, retention, dedupe_window)", StringComparison.Ordinal));
    }

    [Fact]
    public void ARetryScheduleJitterAndMaxAgeAreRead()
    {
        var retry = Load(Minimal.Replace("ntfy: { url: \"https://ntfy.example.com\" }",
            "ntfy: { url: \"https://ntfy.example.com\", retry: { schedule: [0s, 10s, 1m], jitter: 10%, max_age: 1d } }", StringComparison.Ordinal)).Config!.Destinations["ntfy"].Retry;

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)], retry.Schedule);
        Assert.Equal(0.1, retry.Jitter, 6);
        Assert.Equal(TimeSpan.FromDays(1), retry.MaxAge);
    }

    [Theory]
    [InlineData("{ schedule: [0s, soon] }", "destinations.ntfy.retry.schedule: item 1: \"soon\" is not a duration")]
    [InlineData("{ schedule: [] }", "destinations.ntfy.retry.schedule: needs 1 to 100 waits")]
    [InlineData("{ jitter: 150% }", "destinations.ntfy.retry.jitter: \"150%\" is not a fraction")]
    [InlineData("{ attempts: 4 }", "destinations.ntfy.retry.attempts: was replaced by the persisted retry schedule")]
    [InlineData("{ max_delay: 1m }", "destinations.ntfy.retry.max_delay: was replaced by the persisted retry schedule")]
    public void BadRetrySettingsAreErrorsThatSayWhatToWrite(string retry, string expected)
    {
        var errors = Load(Minimal.Replace("ntfy: { url: \"https://ntfy.example.com\" }",
            $"ntfy: {{ url: \"https://ntfy.example.com\", retry: {retry} }}", StringComparison.Ordinal)).Errors;

        var error = Assert.Single(errors);
        Assert.StartsWith(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheAdminTokenIsASecretThatMayComeFromAFile()
    {
        Assert.Null(Load(Minimal).Config!.Server.AdminToken);
        Assert.Equal("adm1n", Load(Minimal + "\nserver: { admin_token: adm1n }").Config!.Server.AdminToken);
    }
}
