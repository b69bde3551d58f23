using Bridge.Configuration;
using Bridge.Tests.Support;

namespace Bridge.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    private const string Minimal = """
        sources:
          authentik: { token: abc }
        destinations:
          ntfy: { url: "https://ntfy.example.com" }
        rules:
          - name: all
        """;

    private static ConfigLoadResult Load(string yaml, IReadOnlyDictionary<string, string?>? env = null, string? baseDirectory = null) =>
        ConfigLoader.Load(yaml, "/etc/bridge/bridge.yaml", baseDirectory ?? "/etc/bridge", new EnvInterpolator(n => env?.GetValueOrDefault(n)));

    [Fact]
    public void MinimalConfigGetsTheDocumentedDefaults()
    {
        var config = Load(Minimal).Config!;

        Assert.Equal("http://127.0.0.1:8080", config.Server.Urls);
        Assert.Equal(Path.GetFullPath("/etc/bridge/mappings"), config.MappingsDirectory);
        var ntfy = config.Destinations["ntfy"];
        Assert.Equal(TimeSpan.FromSeconds(10), ntfy.Timeout);
        Assert.Equal(RetryConfig.Default, ntfy.Retry);
        var rule = Assert.Single(config.Rules);
        Assert.Equal("ntfy", rule.Destination);
        Assert.Equal("rules[0]", rule.Path);
        Assert.Equal(SourceFormat.Authentik, config.Sources["authentik"].Format);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnceWithItsPathAndLine()
    {
        const string yaml = """
            server:
              urls: http://127.0.0.1:8080
              colour: blue
            destinations:
              ntfy:
                url: https://ntfy.example.com/alerts
                timeout: ten seconds
              backup:
                url: ftp://example.com
            sources:
              authentik:
                format: xml
            rules:
              - name: admin-login
                match: { action: login, groupz: admins }
                destination: nowhere
              - match: { source: gitlab }
            """;

        var result = Load(yaml);

        Assert.Null(result.Config);
        var errors = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains(errors, e => e.StartsWith("server.colour: unknown key", StringComparison.Ordinal) && e.Contains("(line 3)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("destinations.ntfy.url: must be the ntfy server's root", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("destinations.ntfy.timeout: \"ten seconds\" is not a duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("destinations.backup.url: \"ftp://example.com\" is not an http(s) URL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.authentik.format: \"xml\" is not a format", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.authentik.token: required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("rules[0].match.groupz: unknown key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("rules[0].destination: \"nowhere\" is not a configured destination", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("rules[1].name: required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("rules[1].match.source: \"gitlab\" is not a configured source", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("rules[1].destination: required when several destinations exist", StringComparison.Ordinal));
        Assert.Equal(11, errors.Count);
    }

    [Theory]
    [InlineData("${TOKEN}", "s3cret")]
    [InlineData("pre-${TOKEN}-post", "pre-s3cret-post")]
    [InlineData("${MISSING:-fallback}", "fallback")]
    [InlineData("${EMPTY:-fallback}", "fallback")]
    [InlineData("$${TOKEN}", "${TOKEN}")]
    [InlineData("cost: 5$", "cost: 5$")]
    public void EnvironmentVariablesAreInterpolated(string written, string expected)
    {
        var env = new Dictionary<string, string?> { ["TOKEN"] = "s3cret", ["EMPTY"] = "" };

        var config = Load(Minimal.Replace("token: abc", $"token: \"{written}\"", StringComparison.Ordinal), env).Config!;

        Assert.Equal([expected], config.Sources["authentik"].Tokens);
    }

    [Theory]
    [InlineData("${UNSET}", "environment variable UNSET is not set")]
    [InlineData("${UNSET", "unterminated")]
    [InlineData("${1BAD}", "not a valid variable reference")]
    public void BadEnvironmentReferencesAreErrors(string written, string expected)
    {
        var result = Load(Minimal.Replace("token: abc", $"token: \"{written}\"", StringComparison.Ordinal));

        var error = Assert.Single(result.Errors);
        Assert.Equal("sources.authentik.token", error.Path);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretsCanComeFromFilesRelativeToTheConfig()
    {
        using var dir = new TempDirectory();
        dir.Write("secrets/ntfy", "tk_fromfile\n");
        var yaml = Minimal.Replace("url: \"https://ntfy.example.com\"", "url: \"https://ntfy.example.com\", token_file: secrets/ntfy", StringComparison.Ordinal);

        var config = Load(yaml, baseDirectory: dir.Path).Config!;

        Assert.Equal("tk_fromfile", config.Destinations["ntfy"].Token);
    }

    [Fact]
    public void MissingSecretFileIsAnErrorNamingTheFile()
    {
        var yaml = Minimal.Replace("token: abc", "token_file: /nonexistent/hook-token", StringComparison.Ordinal);

        var error = Assert.Single(Load(yaml).Errors);

        Assert.Equal("sources.authentik.token_file", error.Path);
        Assert.Contains("/nonexistent/hook-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralTokensAllowRotation()
    {
        var config = Load(Minimal.Replace("token: abc", "token: [old, new]", StringComparison.Ordinal)).Config!;

        Assert.Equal(["old", "new"], config.Sources["authentik"].Tokens);
    }

    [Fact]
    public void AuthNoneMustBeExplicitAndIsWarnedAbout()
    {
        var result = Load(Minimal.Replace("token: abc", "auth: none", StringComparison.Ordinal));

        Assert.True(result.Config!.Sources["authentik"].AuthNone);
        Assert.Contains(result.Warnings, w => w.Contains("accepts events from anyone", StringComparison.Ordinal));
    }

    [Fact]
    public void EmptyDestinationUrlMeansDryRun()
    {
        var result = Load(Minimal.Replace("\"https://ntfy.example.com\"", "\"${NTFY_URL:-}\"", StringComparison.Ordinal));

        Assert.True(result.Config!.Destinations["ntfy"].IsDryRun);
        Assert.Contains(result.Warnings, w => w.Contains("dry-run", StringComparison.Ordinal));
    }

    [Fact]
    public void ACredentialedDestinationUrlIsAnErrorWithoutADryRunWarning()
    {
        var result = Load(Minimal.Replace("\"https://ntfy.example.com\"", "\"https://user:pw-0123456789abcdef@ntfy.example.com\"", StringComparison.Ordinal));

        Assert.Contains(result.Errors, e => e.Message.Contains("must not carry credentials", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Warnings, w => w.Contains("dry-run", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("10s", 10)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("1d", 86400)]
    public void DurationsAcceptUnitsAndSums(string text, double seconds)
    {
        Assert.True(ConfigValues.TryParseDuration(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("ten s")]
    [InlineData("5 m")]
    [InlineData("1w")]
    public void DurationsWithoutAKnownUnitAreRefused(string text) =>
        Assert.False(ConfigValues.TryParseDuration(text, out _));

    [Fact]
    public void RuleSourceShorthandBecomesMatchSource()
    {
        var yaml = Minimal.Replace("  - name: all", "  - name: all\n    source: authentik", StringComparison.Ordinal);

        var rule = Assert.Single(Load(yaml).Config!.Rules);

        Assert.Equal(["authentik"], rule.Match.Source);
    }

    [Fact]
    public void DuplicateRuleNamesAreRefused()
    {
        var yaml = Minimal + "\n  - name: all\n";

        var error = Assert.Single(Load(yaml).Errors);

        Assert.Equal("rules[1].name", error.Path);
    }

    [Fact]
    public void InvalidYamlNamesTheLine()
    {
        var error = Assert.Single(Load("sources:\n  authentik: [unclosed\n").Errors);

        Assert.Contains("line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingConfigFileIsAnError()
    {
        var error = Assert.Single(ConfigLoader.LoadFile("/nonexistent/bridge.yaml", new EnvInterpolator(_ => null)).Errors);

        Assert.Contains("/nonexistent/bridge.yaml", error.Message, StringComparison.Ordinal);
    }
}
