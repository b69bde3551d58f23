using System.Net;
using Bridge.Configuration;
using Bridge.Tests.Support;

namespace Bridge.Tests.Configuration;

/// <summary>The security keys: source auth methods, allow-lists, rate limits, server limits and trusted proxies.</summary>
public sealed class SecurityConfigTests
{
    private static ConfigLoadResult Load(string sources, string server = "", string? baseDirectory = null) =>
        ConfigLoader.Load(
            server + "destinations:\n  ntfy: { url: \"https://ntfy.example.com\" }\nsources:\n" + sources + "\nrules:\n  - name: all\n",
            "/etc/bridge/bridge.yaml",
            baseDirectory ?? "/etc/bridge",
            new EnvInterpolator(n => n == "EMPTY" ? "" : null));

    private static List<string> Errors(string sources, string server = "") => [.. Load(sources, server).Errors.Select(e => e.ToString())];

    [Fact]
    public void EveryMethodIsReadWithItsDefaults()
    {
        const string sources = """
              hook:
                token: legacy-token-0001
                auth:
                  bearer: [bearer-new-0001, bearer-old-0001]
                  query: query-token-0001
                  basic: { user: authentik, password: basic-pw-0001 }
                  github: { secret: github-secret-0001 }
                  standard_webhooks: { secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw }
                  hmac: { header: X-Signature, secret: hmac-secret-0001 }
            """;

        var source = Load(sources).Config!.Sources["hook"];

        Assert.Equal(["legacy-token-0001"], source.Tokens);
        Assert.Collection(source.Auth,
            m => Assert.Equal(new TokenAuthConfig(["bearer-new-0001", "bearer-old-0001"], true, false) { Path = "" }.Tokens, Assert.IsType<TokenAuthConfig>(m).Tokens),
            m => Assert.False(Assert.IsType<TokenAuthConfig>(m).InHeader),
            m => Assert.Equal(new BasicCredential("authentik", "basic-pw-0001"), Assert.Single(Assert.IsType<BasicAuthConfig>(m).Credentials)),
            m => Assert.Equal(["github-secret-0001"], Assert.IsType<GitHubAuthConfig>(m).Secrets),
            m => Assert.Equal(TimeSpan.FromMinutes(5), Assert.IsType<StandardWebhooksAuthConfig>(m).Tolerance),
            m =>
            {
                var hmac = Assert.IsType<HmacAuthConfig>(m);
                Assert.Equal((HmacAlgorithm.Sha256, SignatureEncoding.Hex, ""), (hmac.Algorithm, hmac.Encoding, hmac.Prefix));
                Assert.Equal("sources.hook.auth.hmac", hmac.Path);
            });
    }

    [Fact]
    public void AnAuthMappingIsEnoughWithoutAToken()
    {
        var result = Load("  hook:\n    auth:\n      github: { secret: github-secret-0001 }");

        Assert.Empty(result.Errors);
    }

    [Fact]
    public void EveryAuthProblemIsReportedWithItsPath()
    {
        const string sources = """
              hook:
                auth:
                  bearer: "${EMPTY:-}"
                  basic: { user: "a:b" }
                  github: {}
                  standard_webhooks: { secret: "whsec_not base64!", tolerance: 2h }
                  hmac: { algorithm: md5, encoding: base32, header: "X Sig", secret: s, colour: red }
                  oauth: yes
              empty:
                auth: {}
              unknown:
                auth: jwt
            """;

        var errors = Errors(sources);

        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.bearer: has an empty value", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.basic.password: required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.basic.user: cannot contain ':'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.github.secret: required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.standard_webhooks.secret: is not a Standard Webhooks secret", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.standard_webhooks.tolerance: is longer than 1h", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.hmac.algorithm: \"md5\" is not an algorithm", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.hmac.encoding: \"base32\" is not an encoding", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.hmac.header: \"X Sig\" is not an HTTP header name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.hmac.colour: unknown key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.auth.oauth: unknown key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.empty.auth: names no method", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.unknown.auth: \"jwt\" is not supported", StringComparison.Ordinal));
        Assert.Equal(13, errors.Count);
    }

    [Fact]
    public void SecretsComeFromFilesToo()
    {
        using var dir = new TempDirectory();
        dir.Write("github-a", "secret-from-file-a\n");
        dir.Write("github-b", "secret-from-file-b\n");

        var source = Load("  hook:\n    auth:\n      github: { secret_file: [github-a, github-b] }", baseDirectory: dir.Path).Config!.Sources["hook"];

        Assert.Equal(["secret-from-file-a", "secret-from-file-b"], Assert.IsType<GitHubAuthConfig>(Assert.Single(source.Auth)).Secrets);
    }

    [Fact]
    public void AllowListsAndRateLimitsAreRead()
    {
        var source = Load("  hook:\n    token: t-0001\n    allow_from: [10.0.0.0/8, 192.0.2.7, \"fd00::/8\"]\n    rate_limit: { requests: 30, per: 1m }").Config!.Sources["hook"];

        Assert.Equal([IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("192.0.2.7/32"), IPNetwork.Parse("fd00::/8")], source.AllowFrom);
        Assert.Equal(new RateLimitConfig(30, TimeSpan.FromMinutes(1)), source.RateLimit);
    }

    [Fact]
    public void BadAllowListsAndRateLimitsAreErrors()
    {
        var errors = Errors("  hook:\n    token: t-0001\n    allow_from: [10.0.0.0/33, 10]\n    rate_limit: { requests: 0 }\n  other:\n    token: t-0002\n    rate_limit: lots");

        Assert.Contains(errors, e => e.StartsWith("sources.hook.allow_from: \"10.0.0.0/33\" is not an IP address or CIDR range", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.allow_from: \"10\" is not an IP address", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.rate_limit.requests: \"0\" is not a whole number from 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.hook.rate_limit.per: required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sources.other.rate_limit: must be a mapping", StringComparison.Ordinal));
        Assert.Equal(5, errors.Count);
    }

    [Fact]
    public void ACaFileIsResolvedNextToTheConfigAndChecked()
    {
        using var dir = new TempDirectory();
        using var ca = TestCertificates.CreateCa("Config Test CA");
        dir.Write("certs/ca.pem", ca.ExportCertificatePem());
        dir.Write("certs/empty.pem", "# nothing here\n");
        const string destinations = """
            destinations:
              good: { url: "https://ntfy.internal", ca_file: certs/ca.pem }
              missing: { url: "https://ntfy.internal", ca_file: certs/none.pem }
              empty: { url: "https://ntfy.internal", ca_file: certs/empty.pem }
              plain: { url: "http://ntfy.internal", ca_file: certs/ca.pem }
            sources:
              hook: { token: t-0001 }

            """;

        var result = ConfigLoader.Load(destinations, null, dir.Path, new EnvInterpolator(_ => null));
        var errors = result.Errors.Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.StartsWith("destinations.missing.ca_file: cannot read", StringComparison.Ordinal) && e.Contains("none.pem", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("destinations.empty.ca_file:", StringComparison.Ordinal) && e.Contains("holds no certificate", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("destinations.plain.ca_file: only applies to an https url", StringComparison.Ordinal));
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void SecretsWrittenIntoTheFileOrTooShortAreWarnedAbout()
    {
        var result = ConfigLoader.Load(
            "sources:\n  hook:\n    token: ${HOOK}\n    auth:\n      github: { secret: literal-but-long-enough-0001 }\n      hmac: { header: X-Sig, secret: \"${SHORT}\" }\n",
            null, "/etc/bridge", new EnvInterpolator(n => n == "HOOK" ? "from-the-environment-0001" : "short"));

        Assert.Empty(result.Errors);
        Assert.Equal(
        [
            "sources.hook.auth.github.secret: a secret is written in the config file itself; take it from the environment (\"${VAR}\") or a file (secret_file) so the file can be shared without it",
            "sources.hook.auth.hmac.secret: a secret is shorter than 16 characters and could be guessed; use a long random one (openssl rand -hex 32)",
        ], result.Warnings.Where(w => w.StartsWith("sources.", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheFullSampleUsesOnlyKnownKeysAndValidValues()
    {
        var path = Path.Combine(TestPaths.Samples, "bridge.full.yaml");

        var result = ConfigLoader.LoadFile(path, new EnvInterpolator(_ => null));

        // Without its environment and secret files the sample cannot load; anything else would be a mistake in it.
        Assert.All(result.Errors, e => Assert.Matches("environment variable [A-Z_]+ is not set|cannot read /(run|etc)/", e.Message));
    }

    [Fact]
    public void ServerLimitsHaveSafeDefaults()
    {
        var server = Load("  hook: { token: t-0001 }").Config!.Server;

        Assert.Equal(IngestLimitsConfig.Default, server.Limits);
        Assert.Equal(1024 * 1024, server.Limits.MaxBodyBytes);
        // Authentik sends in bursts: its requests are bounded by max_in_flight and the store, not by its address.
        Assert.Null(server.Limits.PerClient);
        Assert.Equal(TimeSpan.FromSeconds(10), server.Limits.BodyTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), server.Limits.KeepAliveTimeout);
        Assert.Equal(new RateLimitConfig(10, TimeSpan.FromMinutes(10)), server.Limits.AuthFailures);
        Assert.Empty(server.TrustedProxies);
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], server.AllowedHosts);
    }

    [Fact]
    public void ServerLimitsAndProxiesAreRead()
    {
        const string server = """
            server:
              trusted_proxies: [172.18.0.0/16, 10.1.2.3]
              limits:
                max_body: 256KB
                max_depth: 32
                max_header_size: 16KB
                headers_timeout: 5s
                min_body_rate: 1000
                max_in_flight: 8
                max_connections: 100
                per_client: none

            """;

        var config = Load("  hook: { token: t-0001 }", server).Config!.Server;

        Assert.Equal(new IngestLimitsConfig(256 * 1024, 32, 16 * 1024, TimeSpan.FromSeconds(5), 1000, 8, 100, null), config.Limits);
        Assert.Equal([IPNetwork.Parse("172.18.0.0/16"), IPNetwork.Parse("10.1.2.3/32")], config.TrustedProxies);
    }

    [Fact]
    public void LimitsOutOfRangeAreErrors()
    {
        const string server = """
            server:
              trusted_proxies: everyone
              limits: { max_body: 1GB, max_depth: 1, headers_timeout: 1h, max_in_flight: 0, per_client: { per: 1m }, speed: fast }

            """;

        var errors = Errors("  hook: { token: t-0001 }", server);

        Assert.Contains(errors, e => e.StartsWith("server.trusted_proxies: \"everyone\" is not an IP address", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("server.limits.max_body: 1073741824 bytes is outside", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("server.limits.max_depth: \"1\" is not a whole number from 2 to 256", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("server.limits.headers_timeout: is longer than 5m", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("server.limits.max_in_flight: \"0\" is not a whole number", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("server.limits.per_client.requests: required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("server.limits.speed: unknown key", StringComparison.Ordinal));
        Assert.Equal(7, errors.Count);
    }
}
