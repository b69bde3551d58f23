using Bridge.Configuration;
using Bridge.Tests.Support;

namespace Bridge.Tests.Authentik;

/// <summary><c>sources.&lt;name&gt;.authentik_api</c> is validated with the rest of the file: every problem, with its path and line.</summary>
public sealed class AuthentikApiConfigTests
{
    private static ConfigLoadResult Load(string api, string format = "authentik", string? baseDirectory = null) =>
        ConfigLoader.Load($$"""
            destinations:
              ntfy: {}
            sources:
              authentik:
                format: {{format}}
                token: hook-secret-7f3a9c0000000000
                authentik_api: {{api}}
            rules:
              - name: all
            """, "/etc/bridge/bridge.yaml", baseDirectory ?? "/etc/bridge", new EnvInterpolator(_ => null));

    [Fact]
    public void TheDefaultsAreAFiveMinuteCacheAndAFiveSecondTimeout()
    {
        var api = Load("{ url: \"https://auth.example.com\", token: ak-0123456789abcdef0123 }").Config!.Sources["authentik"].AuthentikApi!;

        Assert.Equal(new Uri("https://auth.example.com/"), api.Url);
        Assert.Equal("ak-0123456789abcdef0123", api.Token);
        Assert.Equal(TimeSpan.FromMinutes(5), api.Cache);
        Assert.Equal(TimeSpan.FromSeconds(5), api.Timeout);
    }

    [Fact]
    public void TheTokenMayComeFromAFileAndIsMaskedWithTheOtherSecrets()
    {
        using var dir = new TempDirectory();
        dir.Write("secrets/api", "ak-fromfile-0123456789abcdef\n");

        var config = Load("{ url: \"https://auth.example.com/sso/\", token_file: secrets/api, cache: 30s, timeout: 2s }", baseDirectory: dir.Path).Config!;

        var api = config.Sources["authentik"].AuthentikApi!;
        Assert.Equal("ak-fromfile-0123456789abcdef", api.Token);
        Assert.Equal(new Uri("https://auth.example.com/sso/"), api.Url);
        Assert.Equal(TimeSpan.FromSeconds(30), api.Cache);
        Assert.Contains("ak-fromfile-0123456789abcdef", ConfiguredSecrets.Of(config));
    }

    [Fact]
    public void EveryProblemIsReportedWithItsPathAndLine()
    {
        var result = Load("{ url: \"https://auth.example.com/api/v3/\", cache: forever, timeout: 5m, colour: blue }", format: "json");

        Assert.Null(result.Config);
        var errors = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains(errors, e => e.StartsWith("sources.authentik.authentik_api.url: must be Authentik's root URL, not an API path", StringComparison.Ordinal) && e.Contains("(line 7)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.authentik.authentik_api.cache: \"forever\" is not a duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.authentik.authentik_api.timeout: at most 1m", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.authentik.authentik_api.colour: unknown key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.authentik.authentik_api: only applies to 'format: authentik' sources", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.authentik.authentik_api.token: required", StringComparison.Ordinal));
    }
}
