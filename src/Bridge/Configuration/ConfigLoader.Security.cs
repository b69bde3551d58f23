using System.Net;
using System.Text.RegularExpressions;
using Bridge.Rules;

namespace Bridge.Configuration;

/// <summary>The security settings: source authentication and address allow-lists, limits, trusted proxies.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] AuthKeys = ["bearer", "bearer_file", "query", "query_file", "basic", "github", "standard_webhooks", "hmac"];
    private static readonly string[] BasicKeys = ["user", "password", "password_file"];
    private static readonly string[] GitHubKeys = ["secret", "secret_file"];
    private static readonly string[] StandardWebhooksKeys = ["secret", "secret_file", "tolerance"];
    private static readonly string[] HmacKeys = ["header", "algorithm", "encoding", "prefix", "secret", "secret_file"];
    private static readonly string[] IngestLimitKeys = ["max_body", "max_depth", "max_header_size", "headers_timeout", "min_body_rate", "max_in_flight", "max_connections", "per_client",
        "body_timeout", "keep_alive_timeout", "max_connections_per_client", "max_unverified", "max_unverified_per_source", "max_unverified_per_client", "auth_failures"];
    private static readonly string[] RateLimitKeys = ["requests", "per"];

    /// <summary><c>auth</c> is either the keyword <c>none</c> or a mapping of methods; this reads either.</summary>
    private sealed record AuthSetting(string? Keyword, IReadOnlyList<AuthMethodConfig> Methods, bool IsMapping);

    private static AuthSetting ReadAuth(YamlSection source)
    {
        if (!source.IsMapping("auth")) return new AuthSetting(source.Text("auth"), [], false);
        var auth = source.Section("auth")!;
        var methods = new List<AuthMethodConfig>();
        if (ReadTokenList(auth, "bearer") is { } bearer) methods.Add(new TokenAuthConfig(bearer, InHeader: true, InQuery: false) { Path = auth.ChildPath("bearer") });
        if (ReadTokenList(auth, "query") is { } query) methods.Add(new TokenAuthConfig(query, InHeader: false, InQuery: true) { Path = auth.ChildPath("query") });
        if (ReadBasic(auth) is { } basic) methods.Add(basic);
        if (auth.Section("github") is { } github)
        {
            var secrets = ReadSecrets(github, "secret");
            github.ReportUnknownKeys(GitHubKeys);
            methods.Add(new GitHubAuthConfig(secrets) { Path = github.Path });
        }
        if (auth.Section("standard_webhooks") is { } sw) methods.Add(ReadStandardWebhooks(sw));
        if (auth.Section("hmac") is { } hmac) methods.Add(ReadHmac(hmac));
        auth.ReportUnknownKeys(AuthKeys);
        if (methods.Count == 0 && !HasAnyKey(auth, AuthKeys))
            source.Error("auth", $"names no method: use one or more of {string.Join(", ", AuthKeys.Where(k => !k.EndsWith("_file", StringComparison.Ordinal)))}, or 'auth: none'");
        return new AuthSetting(null, methods, true);
    }

    private static bool HasAnyKey(YamlSection section, IEnumerable<string> keys) => keys.Any(section.Has);

    private static List<string>? ReadTokenList(YamlSection auth, string key)
    {
        if (!auth.Has(key) && !auth.Has(key + "_file"))
        {
            // Mark both as read even when absent, so neither is reported as unknown.
            auth.SecretList(key);
            return null;
        }
        return ReadSecrets(auth, key);
    }

    /// <summary>A required list of secrets (<c>key</c> and/or <c>key_file</c>); every value must be non-empty.</summary>
    private static List<string> ReadSecrets(YamlSection section, string key)
    {
        var errorsBefore = section.ErrorCount;
        var secrets = section.SecretList(key);
        if (secrets is null)
        {
            // Present but unreadable (an unset variable, say) is already reported.
            if (section.ErrorCount == errorsBefore) section.Error(key, $"required: the shared secret (or {key}_file: a file holding it); a list accepts each, for rotation");
            return [];
        }
        var kept = secrets.Where(s => s.Length > 0).ToList();
        if (kept.Count < secrets.Count && section.ErrorCount == errorsBefore)
            section.Error(key, "has an empty value: every request signed with it would be refused (is the environment variable behind it set?)");
        WarnIfWeak(section, key, kept);
        return kept;
    }

    /// <summary>Shared secrets are only as good as their length; a short one falls to guessing within the rate limits' reach.</summary>
    public const int WeakSecretLength = 16;

    private static void WarnIfWeak(YamlSection section, string key, IEnumerable<string> secrets)
    {
        if (secrets.Any(s => s.Length < WeakSecretLength))
            section.Warn(key, $"a secret is shorter than {WeakSecretLength} characters and could be guessed; use a long random one (openssl rand -hex 32)");
    }

    private static BasicAuthConfig? ReadBasic(YamlSection auth)
    {
        if (!auth.Has("basic"))
        {
            auth.Section("basic");
            return null;
        }
        var entries = auth.IsMapping("basic") ? [auth.Section("basic")!] : auth.Sequence("basic").ToList();
        var credentials = new List<BasicCredential>();
        foreach (var entry in entries)
        {
            var user = entry.Text("user", required: true);
            var password = entry.Secret("password");
            entry.ReportUnknownKeys(BasicKeys);
            // An unreadable password_file is already reported.
            if (password is null && !entry.Has("password_file")) entry.Error("password", "required (or password_file: a file holding it)");
            if (user is { Length: 0 }) entry.Error("user", "is empty");
            // RFC 7617: the first colon separates user from password, so a user name cannot contain one.
            if (user is not null && user.Contains(':', StringComparison.Ordinal)) entry.Error("user", "cannot contain ':' in HTTP Basic");
            if (user is { Length: > 0 } && password is not null) credentials.Add(new BasicCredential(user, password));
            if (password is not null) WarnIfWeak(entry, "password", [password]);
        }
        return new BasicAuthConfig(credentials) { Path = auth.ChildPath("basic") };
    }

    private static StandardWebhooksAuthConfig ReadStandardWebhooks(YamlSection section)
    {
        var secrets = ReadSecrets(section, "secret");
        var tolerance = section.Duration("tolerance", min: TimeSpan.FromSeconds(1)) ?? StandardWebhooksAuthConfig.DefaultTolerance;
        section.ReportUnknownKeys(StandardWebhooksKeys);
        if (tolerance > TimeSpan.FromHours(1)) section.Error("tolerance", "is longer than 1h: a long window lets old captured requests be replayed");
        foreach (var secret in secrets)
        {
            if (!StandardWebhooksAuthConfig.TryDecodeSecret(secret, out _))
                section.Error("secret", "is not a Standard Webhooks secret: expected 'whsec_' followed by base64 (as the sender shows it)");
        }
        return new StandardWebhooksAuthConfig(secrets, tolerance) { Path = section.Path };
    }

    private static HmacAuthConfig ReadHmac(YamlSection section)
    {
        var header = section.Text("header", required: true) ?? "";
        var algorithm = section.Text("algorithm") switch
        {
            null or "sha256" => HmacAlgorithm.Sha256,
            "sha1" => HmacAlgorithm.Sha1,
            "sha512" => HmacAlgorithm.Sha512,
            var other => Invalid(section, "algorithm", $"\"{other}\" is not an algorithm: use sha1, sha256 or sha512", HmacAlgorithm.Sha256),
        };
        var encoding = section.Text("encoding") switch
        {
            null or "hex" => SignatureEncoding.Hex,
            "base64" => SignatureEncoding.Base64,
            var other => Invalid(section, "encoding", $"\"{other}\" is not an encoding: use hex or base64", SignatureEncoding.Hex),
        };
        var prefix = section.Text("prefix") ?? "";
        var secrets = ReadSecrets(section, "secret");
        section.ReportUnknownKeys(HmacKeys);
        if (header.Length > 0 && !HeaderName().IsMatch(header)) section.Error("header", $"\"{header}\" is not an HTTP header name");
        return new HmacAuthConfig(header, algorithm, encoding, prefix, secrets) { Path = section.Path };
    }

    private static T Invalid<T>(YamlSection section, string key, string message, T fallback)
    {
        section.Error(key, message);
        return fallback;
    }

    /// <summary>A list of addresses and CIDR ranges (<c>allow_from</c>, <c>trusted_proxies</c>); empty when absent.</summary>
    private static List<IPNetwork> ReadNetworks(YamlSection section, string key)
    {
        var values = section.StringOrList(key);
        if (values is null) return [];
        var networks = new List<IPNetwork>(values.Count);
        foreach (var value in values)
        {
            if (IpRange.TryParse(value, out var network)) networks.Add(network);
            else section.Error(key, $"\"{value}\" is not an IP address or CIDR range (examples: 10.0.0.0/8, 192.0.2.7, \"fd00::/8\")");
        }
        if (networks.Count == 0 && values.Count == 0) section.Error(key, "is an empty list; leave the key out instead");
        return networks;
    }

    /// <summary><c>public_url</c>: an absolute http(s) URL; only its host is used (to allow it as a <c>Host</c>).</summary>
    private static Uri? ReadPublicUrl(YamlSection server)
    {
        var text = server.Text("public_url");
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && url.UserInfo.Length == 0)
            return url;
        server.Error("public_url", $"\"{text}\" is not an http(s) URL without credentials, e.g. https://bridge.example.com");
        return null;
    }

    /// <summary>
    /// <c>allowed_hosts</c>: loopback is always allowed (a rebinding page cannot make a browser send <c>Host: localhost</c>),
    /// then the public URL's host, then each listed name, address or <c>*.domain</c> wildcard; <c>"*"</c> turns the check off.
    /// </summary>
    private static List<string> ReadAllowedHosts(YamlSection server, Uri? publicUrl)
    {
        var hosts = new List<string>(ServerConfig.LoopbackHosts);
        if (publicUrl is not null) hosts.Add(publicUrl.HostNameType == UriHostNameType.IPv6 ? $"[{publicUrl.IdnHost.Trim('[', ']')}]" : publicUrl.IdnHost);
        foreach (var entry in server.StringOrList("allowed_hosts") ?? [])
        {
            if (entry == "*")
            {
                server.Warn("allowed_hosts", "\"*\" accepts any Host header: a web page the bridge's users visit can then reach it by DNS rebinding");
                hosts.Add(entry);
                continue;
            }
            var name = entry.StartsWith("*.", StringComparison.Ordinal) ? entry[2..] : entry;
            if (Uri.CheckHostName(name.Trim('[', ']')) == UriHostNameType.Unknown || name.Contains(':', StringComparison.Ordinal) && !name.StartsWith('['))
                server.Error("allowed_hosts", $"\"{entry}\" is not a host name or address (no scheme or port; IPv6 in brackets, a wildcard as *.example.com)");
            else hosts.Add(entry);
        }
        return [.. hosts.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary><c>{ requests: 60, per: 1m }</c>; the keyword <c>none</c> (where <paramref name="allowNone"/>) means unlimited.</summary>
    private static RateLimitConfig? ReadRateLimit(YamlSection parent, string key, RateLimitConfig? fallback, bool allowNone)
    {
        if (!parent.IsMapping(key))
        {
            var text = parent.Text(key);
            if (text is null) return fallback;
            if (allowNone && text == "none") return null;
            parent.Error(key, $"must be a mapping like {{ requests: 60, per: 1m }}{(allowNone ? ", or none" : "")}");
            return fallback;
        }
        var section = parent.Section(key)!;
        var requests = section.WholeNumber("requests", 1, 1_000_000);
        if (requests is null && !section.Has("requests")) section.Error("requests", "required: how many requests");
        var per = section.Duration("per", min: TimeSpan.FromSeconds(1));
        if (per is null && !section.Has("per")) section.Error("per", "required: in how long, e.g. 1m");
        section.ReportUnknownKeys(RateLimitKeys);
        return requests is { } r && per is { } p ? new RateLimitConfig(r, p) : fallback;
    }

    private static IngestLimitsConfig ReadIngestLimits(YamlSection? section)
    {
        var d = IngestLimitsConfig.Default;
        if (section is null) return d;
        var limits = new IngestLimitsConfig(
            SizeWithin(section, "max_body", 1024, 64 * 1024 * 1024) ?? d.MaxBodyBytes,
            section.WholeNumber("max_depth", 2, IngestLimitsConfig.MaxAllowedDepth) ?? d.MaxDepth,
            SizeWithin(section, "max_header_size", 4 * 1024, 1024 * 1024) ?? d.MaxHeaderBytes,
            section.Duration("headers_timeout", min: TimeSpan.FromSeconds(1)) ?? d.HeadersTimeout,
            section.WholeNumber("min_body_rate", 0, 1_000_000) ?? d.MinBodyRate,
            section.WholeNumber("max_in_flight", 1, 100_000) ?? d.MaxInFlight,
            section.WholeNumber("max_connections", 1, 1_000_000) ?? d.MaxConnections,
            ReadRateLimit(section, "per_client", d.PerClient, allowNone: true))
        {
            BodyTimeout = section.Duration("body_timeout", min: TimeSpan.FromSeconds(1)) ?? d.BodyTimeout,
            KeepAliveTimeout = section.Duration("keep_alive_timeout", min: TimeSpan.FromSeconds(1)) ?? d.KeepAliveTimeout,
            MaxConnectionsPerClient = section.WholeNumber("max_connections_per_client", 1, 1_000_000) ?? d.MaxConnectionsPerClient,
            MaxUnverified = section.WholeNumber("max_unverified", 1, 100_000) ?? d.MaxUnverified,
            MaxUnverifiedPerSource = section.WholeNumber("max_unverified_per_source", 1, 100_000) ?? d.MaxUnverifiedPerSource,
            MaxUnverifiedPerClient = section.WholeNumber("max_unverified_per_client", 1, 100_000) ?? d.MaxUnverifiedPerClient,
            AuthFailures = ReadRateLimit(section, "auth_failures", d.AuthFailures, allowNone: false)!,
        };
        section.ReportUnknownKeys(IngestLimitKeys);
        if (limits.BodyTimeout > TimeSpan.FromMinutes(5)) section.Error("body_timeout", "is longer than 5m: slow senders could hold a request open that long");
        if (limits.KeepAliveTimeout > TimeSpan.FromMinutes(10)) section.Error("keep_alive_timeout", "is longer than 10m: idle connections would be held that long");
        if (limits.HeadersTimeout > TimeSpan.FromMinutes(5)) section.Error("headers_timeout", "is longer than 5m: slow clients could hold connections open that long");
        return limits;
    }

    private static int? SizeWithin(YamlSection section, string key, int min, int max)
    {
        var size = section.Size(key);
        if (size is null) return null;
        if (size >= min && size <= max) return (int)size;
        section.Error(key, $"{size} bytes is outside {min} B to {max / 1024 / 1024} MB");
        return null;
    }

    /// <summary><c>ca_file</c>: a PEM bundle of the only CAs trusted for this destination; checked now, loaded by the client.</summary>
    private static string? ReadCaFile(YamlSection destination, Uri? url)
    {
        var file = destination.Text("ca_file");
        if (string.IsNullOrEmpty(file)) return null;
        var full = destination.ResolvePath(file);
        if (CaBundle.Load(full).Error is { } error) destination.Error("ca_file", error);
        if (url is not null && url.Scheme != Uri.UriSchemeHttps) destination.Error("ca_file", "only applies to an https url");
        return full;
    }

    /// <summary>An HTTP field name (RFC 9110 token).</summary>
    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]
    private static partial Regex HeaderName();
}
