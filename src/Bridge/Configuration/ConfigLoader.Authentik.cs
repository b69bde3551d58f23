namespace Bridge.Configuration;

/// <summary><c>sources.&lt;name&gt;.authentik_api</c>: the group lookup's URL, token and times.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] AuthentikApiKeys = ["url", "token", "token_file", "cache", "timeout"];

    private static AuthentikApiConfig? ReadAuthentikApi(YamlSection source, SourceFormat format)
    {
        if (source.Section("authentik_api") is not { } api) return null;
        var url = ReadAuthentikUrl(api);
        // A token_file that cannot be read is reported by Secret already; only a missing or empty token is reported here.
        var errorsBefore = api.ErrorCount;
        var token = api.Secret("token");
        var tokenReported = api.ErrorCount > errorsBefore;
        var cache = api.Duration("cache", min: TimeSpan.Zero) ?? AuthentikApiConfig.DefaultCache;
        var timeout = api.Duration("timeout", min: TimeSpan.FromMilliseconds(100)) ?? AuthentikApiConfig.DefaultTimeout;
        api.ReportUnknownKeys(AuthentikApiKeys);
        if (format != SourceFormat.Authentik) api.Error("only applies to 'format: authentik' sources: other senders' users are not Authentik's");
        if (token is null && !tokenReported)
            api.Error("token", "required: an Authentik API token that may view users and groups (docs/setup.md, group lookup); is the variable or file behind it empty?");
        if (cache > TimeSpan.FromDays(1)) api.Error("cache", "at most 1d: group changes would go unseen for longer");
        if (timeout > TimeSpan.FromMinutes(1)) api.Error("timeout", "at most 1m");
        return url is null || token is null ? null : new AuthentikApiConfig(url, token, cache, timeout);
    }

    private static Uri? ReadAuthentikUrl(YamlSection api)
    {
        var text = api.Text("url", required: true);
        if (text is null) return null;
        if (ParseServerUrl(api, text) is not { } url) return null;
        if (url.AbsolutePath.Contains("/api/", StringComparison.Ordinal))
        {
            api.Error("url", $"must be Authentik's root URL, not an API path (found {url.AbsolutePath}); the bridge adds /api/v3/...");
            return null;
        }
        // A root with a sub-path (Authentik behind a proxy prefix) keeps it: the API paths are resolved under it.
        return url.AbsolutePath.EndsWith('/') ? url : new Uri(url + "/");
    }
}
