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
        ConfigLoader.Load(yaml, "/etc/bridge/bridge.yaml", "/etc/bridge", new EnvInterpolator(v => v == "PGPASSWORD" ? "s3cret-pw" : null));

    private static List<string> Errors(string storage) => [.. Load(Minimal + "\nstorage: " + storage).Errors.Select(e => e.ToString())];

    [Fact]
    public void ThePostgresProviderTakesAnInterpolatedConnectionStringWhosePasswordIsASecretAndNeverShown()
    {
        var result = Load(Minimal + "\nstorage: { provider: postgres, connection_string: \"Host=db;Database=bridge;Username=bridge;Password=${PGPASSWORD}\", notify: false }");
        var config = result.Config!;

        Assert.Equal(StorageProvider.Postgres, config.Storage.Provider);
        Assert.Equal("Host=db;Database=bridge;Username=bridge;Password=s3cret-pw", config.Storage.ConnectionString);
        Assert.False(config.Storage.Notify);
        Assert.Contains("s3cret-pw", ConfiguredSecrets.Of(config));
        Assert.Equal("PostgreSQL Host=db;Database=bridge;Username=bridge", config.Storage.Description);
        Assert.DoesNotContain(result.Warnings, w => w.StartsWith("storage", StringComparison.Ordinal));
    }

    [Fact]
    public void APasswordWrittenIntoTheConnectionStringIsWarnedAbout()
    {
        var result = Load(Minimal + "\nstorage: { provider: postgres, connection_string: \"Host=db;Username=bridge;Password=plain\" }");

        Assert.NotNull(result.Config);
        Assert.Contains(result.Warnings, w => w.StartsWith("storage.connection_string: a secret is written in the config file itself", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutAProviderTheStoreIsSqliteAndNotifiesNobody()
    {
        var storage = Load(Minimal).Config!.Storage;

        Assert.Equal(StorageProvider.Sqlite, storage.Provider);
        Assert.Null(storage.ConnectionString);
        Assert.Equal(storage.Path, storage.Description);
    }

    [Theory]
    [InlineData("{ provider: mysql }", "storage.provider: \"mysql\" is not a store provider: use sqlite (the default, one file) or postgres")]
    [InlineData("{ provider: postgres }", "storage.connection_string: required with provider postgres")]
    [InlineData("{ provider: postgres, connection_string: \"Host=db\", path: q.db }", "storage.path: only for provider sqlite")]
    [InlineData("{ provider: postgres, connection_string: \"Hots=db\" }", "storage.connection_string: not an Npgsql connection string")]
    [InlineData("{ provider: postgres, connection_string: \"Database=bridge\" }", "storage.connection_string: names no Host")]
    [InlineData("{ connection_string: \"Host=db\" }", "storage.connection_string: only for provider postgres")]
    [InlineData("{ notify: false }", "storage.notify: only for provider postgres")]
    [InlineData("{ lease: 30s }", "storage.lease: only for provider postgres")]
    [InlineData("{ provider: postgres, connection_string: \"Host=db\", connection_string_file: /run/secrets/pg }", "storage.connection_string_file: give either connection_string or connection_string_file, not both")]
    public void StoreProviderMistakesAreRefusedWithTheirReason(string storage, string expected)
    {
        var errors = Errors(storage);

        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TheLeaseOfClaimsOtherInstancesTakeOverIsFiveMinutesUnlessSetAndOneUnderTwiceADestinationsTimeoutIsWarnedAbout()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), Load(Minimal + "\nstorage: { provider: postgres, connection_string: \"Host=db\" }").Config!.Storage.Lease);

        var result = Load(Minimal + "\nstorage: { provider: postgres, connection_string: \"Host=db\", lease: 15s }");

        Assert.Equal(TimeSpan.FromSeconds(15), result.Config!.Storage.Lease);
        // The default timeout is 10 s: a send may run 20 s with its reset retry.
        Assert.Contains("storage.lease: 15 s is less than twice destination ntfy's timeout (10 s): a slow send may be taken over by another instance and sent twice", result.Warnings);
        Assert.DoesNotContain(Load(Minimal + "\nstorage: { provider: postgres, connection_string: \"Host=db\", lease: 20s }").Warnings, w => w.StartsWith("storage.lease", StringComparison.Ordinal));
    }

    [Fact]
    public void AnUnknownProviderIsTheOnlyErrorItsOtherKeysMake()
    {
        Assert.Single(Errors("{ provider: mysql, connection_string: \"Host=db\", notify: true }"));
    }

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
        Assert.Contains(errors, e => e.StartsWith("storage.keep: unknown key (known keys: provider, path, connection_string, connection_string_file, notify, lease, retention, dedupe_window)", StringComparison.Ordinal));
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
