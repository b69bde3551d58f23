using System.Runtime.CompilerServices;
using Bridge.Configuration;

namespace Bridge.Ingest.Auth;

/// <summary>
/// Checks a hook request against its source's authentication methods; the request passes when any method accepts it.
/// Methods whose credential the request does not carry are not tried, so the refusal names what was actually wrong.
/// Token methods are decided before the body is read; signatures need the exact body bytes.
/// </summary>
public sealed class SourceAuthenticator(TimeProvider time, ReplayCache replays)
{
    /// <summary>The methods of each source config, built once per config (a reload brings new configs).</summary>
    private static readonly ConditionalWeakTable<SourceConfig, AuthMethodConfig[]> Methods = new();

    /// <summary>The first look, before the body is read: refuses requests without any credential of the source's.</summary>
    public AuthDecision BeforeBody(SourceConfig source, HttpRequest request) => Decide(source, request, body: null);

    /// <summary>The full check, with the exact bytes received.</summary>
    public AuthDecision WithBody(SourceConfig source, HttpRequest request, ReadOnlyMemory<byte> body) => Decide(source, request, body);

    private AuthDecision Decide(SourceConfig source, HttpRequest request, ReadOnlyMemory<byte>? body)
    {
        if (source.AuthNone) return AuthDecision.Passed;
        var methods = Methods.GetValue(source, Build);
        List<AuthFailure>? failures = null;
        var presented = false;
        var needsBody = false;
        foreach (var method in methods)
        {
            if (!IsPresented(method, request)) continue;
            presented = true;
            if (NeedsBody(method) && body is null)
            {
                needsBody = true;
                continue;
            }
            var (failure, claim) = Verify(method, request, body, source.Name);
            if (failure is null) return new AuthDecision(AuthOutcome.Passed, Claim: claim);
            (failures ??= []).Add(failure);
        }
        if (needsBody) return AuthDecision.NeedsBody;
        var refusal = presented ? Combine(failures!) : Missing(methods, request);
        return new AuthDecision(AuthOutcome.Refused, refusal, refusal.Status == 401 ? Challenge(methods) : null);
    }

    private static AuthMethodConfig[] Build(SourceConfig source)
    {
        var methods = new List<AuthMethodConfig>(source.Auth.Count + 1);
        if (source.Tokens.Count > 0) methods.Add(new TokenAuthConfig(source.Tokens, InHeader: true, InQuery: true) { Path = $"sources.{source.Name}.token" });
        foreach (var method in source.Auth) methods.Add(method is GitHubAuthConfig github ? HmacVerifier.ForGitHub(github) : method);
        return [.. methods];
    }

    private static bool IsPresented(AuthMethodConfig method, HttpRequest request) => method switch
    {
        TokenAuthConfig token => TokenVerifier.IsPresented(token, request),
        BasicAuthConfig => BasicVerifier.IsPresented(request),
        HmacAuthConfig hmac => HmacVerifier.IsPresented(hmac, request),
        StandardWebhooksAuthConfig => StandardWebhooksVerifier.IsPresented(request),
        _ => false,
    };

    private static bool NeedsBody(AuthMethodConfig method) => method is HmacAuthConfig or StandardWebhooksAuthConfig;

    private (AuthFailure? Failure, ReplayClaim? Claim) Verify(AuthMethodConfig method, HttpRequest request, ReadOnlyMemory<byte>? body, string source) => method switch
    {
        TokenAuthConfig token => (TokenVerifier.Verify(token, request, source), null),
        BasicAuthConfig basic => (BasicVerifier.Verify(basic, request, source), null),
        HmacAuthConfig hmac => (HmacVerifier.Verify(hmac, request, body.GetValueOrDefault().Span), null),
        StandardWebhooksAuthConfig sw => StandardWebhooksVerifier.Verify(sw, request, body.GetValueOrDefault().Span, source, time, replays),
        _ => (new AuthFailure("unsupported authentication method"), null),
    };

    private static string Expects(AuthMethodConfig method) => method switch
    {
        TokenAuthConfig token => TokenVerifier.Expects(token),
        BasicAuthConfig => BasicVerifier.Expects,
        HmacAuthConfig hmac => HmacVerifier.Expects(hmac),
        _ => StandardWebhooksVerifier.Expects,
    };

    /// <summary>A replay or a full replay memory outranks other failures: the signature itself was right.</summary>
    private static AuthFailure Combine(List<AuthFailure> failures)
    {
        if (failures.Count == 1) return failures[0];
        foreach (var f in failures)
        {
            if (f.Status != 401) return f;
        }
        return new AuthFailure(string.Join("; ", failures.Select(f => f.Detail)));
    }

    private static AuthFailure Missing(AuthMethodConfig[] methods, HttpRequest request)
    {
        var expected = string.Join(" or ", methods.Select(Expects));
        var what = methods.All(m => m is TokenAuthConfig) ? "token" : "credentials";
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            // Nothing of the header is echoed: a token sent without a scheme would be its first word. Only a registered
            // scheme name, spelled as the registry does, is named.
            var scheme = authorization.Split(' ', 2)[0];
            var known = Array.Find(KnownSchemes, s => s.Equals(scheme, StringComparison.OrdinalIgnoreCase));
            return new AuthFailure($"{(known is null ? "the Authorization header has no scheme this source takes" : $"unsupported Authorization scheme '{known}'")}: this source takes {expected}");
        }
        return new AuthFailure($"missing {what}: send {expected}");
    }

    /// <summary>The IANA HTTP authentication scheme registry: the only words of an Authorization header ever named back.</summary>
    private static readonly string[] KnownSchemes = ["Basic", "Bearer", "Concealed", "Digest", "DPoP", "GNAP", "HOBA", "Mutual", "Negotiate", "OAuth", "PrivateToken", "SCRAM-SHA-1", "SCRAM-SHA-256", "vapid"];

    private static string? Challenge(AuthMethodConfig[] methods)
    {
        var bearer = methods.Any(m => m is TokenAuthConfig { InHeader: true });
        var basic = methods.Any(m => m is BasicAuthConfig);
        return (bearer, basic) switch
        {
            (true, true) => "Bearer realm=\"bridge\", Basic realm=\"bridge\", charset=\"UTF-8\"",
            (true, false) => "Bearer realm=\"bridge\"",
            (false, true) => "Basic realm=\"bridge\", charset=\"UTF-8\"",
            _ => null,
        };
    }
}
