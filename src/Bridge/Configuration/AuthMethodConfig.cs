namespace Bridge.Configuration;

/// <summary>
/// One way a source's senders prove who they are. A source may have several; a request passes when any of them
/// accepts it. Each method holds a list of secrets so a secret can be rotated without a gap.
/// </summary>
public abstract record AuthMethodConfig
{
    /// <summary>Where it is configured, e.g. <c>sources.github.auth.github</c>, for messages.</summary>
    public required string Path { get; init; }

    /// <summary>Every secret value of this method, so logs can be scrubbed of them.</summary>
    public abstract IEnumerable<string> SecretValues();
}

/// <summary>A shared token: <c>Authorization: Bearer &lt;token&gt;</c> and/or <c>?token=&lt;token&gt;</c>.</summary>
/// <param name="InHeader">Accepted in the Authorization header.</param>
/// <param name="InQuery">Accepted as the <c>token</c> query parameter (Authentik before 2025.4 can send nothing else).</param>
public sealed record TokenAuthConfig(IReadOnlyList<string> Tokens, bool InHeader, bool InQuery) : AuthMethodConfig
{
    public IReadOnlyList<string> Tokens { get; init => field = ValueList.Of(value); } = ValueList.Of(Tokens);

    public override IEnumerable<string> SecretValues() => Tokens;
}

/// <summary>HTTP Basic: <c>Authorization: Basic base64(user:password)</c>, one of several accepted pairs.</summary>
public sealed record BasicAuthConfig(IReadOnlyList<BasicCredential> Credentials) : AuthMethodConfig
{
    public IReadOnlyList<BasicCredential> Credentials { get; init => field = ValueList.Of(value); } = ValueList.Of(Credentials);

    public override IEnumerable<string> SecretValues()
    {
        foreach (var c in Credentials)
        {
            yield return c.Password;
            // What travels on the wire, should a header ever be logged.
            yield return Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(c.User + ":" + c.Password));
        }
    }
}

/// <summary>A user name and password accepted by <see cref="BasicAuthConfig"/>.</summary>
public sealed record BasicCredential(string User, string Password);

/// <summary>GitHub's signature: <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>.</summary>
public sealed record GitHubAuthConfig(IReadOnlyList<string> Secrets) : AuthMethodConfig
{
    public IReadOnlyList<string> Secrets { get; init => field = ValueList.Of(value); } = ValueList.Of(Secrets);

    public const string Header = "X-Hub-Signature-256";

    public override IEnumerable<string> SecretValues() => Secrets;
}

/// <summary>
/// Standard Webhooks (standardwebhooks.com): <c>webhook-signature: v1,&lt;base64 HMAC-SHA256 of id.timestamp.body&gt;</c>,
/// with a timestamp that must be recent and an id that must not have been seen.
/// </summary>
/// <param name="Secrets">As the sender shows them, usually <c>whsec_&lt;base64&gt;</c>; the key is the decoded base64.</param>
/// <param name="Tolerance">How far <c>webhook-timestamp</c> may be from the bridge's clock, either way. Default 5 min.</param>
public sealed record StandardWebhooksAuthConfig(IReadOnlyList<string> Secrets, TimeSpan Tolerance) : AuthMethodConfig
{
    public IReadOnlyList<string> Secrets { get; init => field = ValueList.Of(value); } = ValueList.Of(Secrets);

    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    public const string SecretPrefix = "whsec_";

    public override IEnumerable<string> SecretValues() => Secrets;

    /// <summary>The HMAC key: the base64 after the optional <c>whsec_</c> prefix, decoded (as the reference libraries do).</summary>
    public static bool TryDecodeSecret(string secret, out byte[] key)
    {
        var base64 = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        key = new byte[base64.Length];
        if (base64.Length > 0 && Convert.TryFromBase64String(base64, key, out var written))
        {
            key = key[..written];
            return true;
        }
        key = [];
        return false;
    }
}

public enum HmacAlgorithm
{
    Sha1,
    Sha256,
    Sha512,
}

public enum SignatureEncoding
{
    Hex,
    Base64,
}

/// <summary>Any sender's HMAC of the body in a header of its choice: <c>&lt;Header&gt;: &lt;Prefix&gt;&lt;hex or base64&gt;</c>.</summary>
/// <param name="Algorithm">Default SHA-256.</param>
/// <param name="Encoding">Default hex (either case).</param>
/// <param name="Prefix">Text before the signature, e.g. <c>sha256=</c>; default none.</param>
public sealed record HmacAuthConfig(string Header, HmacAlgorithm Algorithm, SignatureEncoding Encoding, string Prefix, IReadOnlyList<string> Secrets)
    : AuthMethodConfig
{
    public IReadOnlyList<string> Secrets { get; init => field = ValueList.Of(value); } = ValueList.Of(Secrets);

    public override IEnumerable<string> SecretValues() => Secrets;
}
