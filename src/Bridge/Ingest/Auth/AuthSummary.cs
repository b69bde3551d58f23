using Bridge.Configuration;

namespace Bridge.Ingest.Auth;

/// <summary>One line per source for the start-up log: which methods it takes and how many secrets each holds (never the secrets).</summary>
public static class AuthSummary
{
    public static string Describe(SourceConfig source)
    {
        if (source.AuthNone) return "no authentication";
        var parts = new List<string>();
        if (source.Tokens.Count > 0) parts.Add(Count("token", source.Tokens.Count));
        foreach (var method in source.Auth)
        {
            parts.Add(method switch
            {
                TokenAuthConfig { InHeader: true } t => Count("bearer token", t.Tokens.Count),
                TokenAuthConfig t => Count("query token", t.Tokens.Count),
                BasicAuthConfig b => Count("basic credential", b.Credentials.Count),
                GitHubAuthConfig g => Count("GitHub secret", g.Secrets.Count),
                StandardWebhooksAuthConfig s => Count("Standard Webhooks secret", s.Secrets.Count),
                HmacAuthConfig h => Count($"HMAC ({h.Header}) secret", h.Secrets.Count),
                _ => method.GetType().Name,
            });
        }
        if (source.AllowFrom.Count > 0) parts.Add($"from {string.Join(", ", source.AllowFrom)} only");
        return string.Join(", ", parts);
    }

    private static string Count(string what, int n) => n == 1 ? $"1 {what}" : $"{n} {what}s";
}
