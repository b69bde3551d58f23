namespace Bridge.Configuration;

/// <summary>Every secret value a config holds: hook tokens, passwords, signing secrets, ntfy tokens, Authentik API tokens, the admin token, the store's database password.</summary>
public static class ConfiguredSecrets
{
    public static IReadOnlyList<string> Of(BridgeConfig config)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in config.Sources.Values)
        {
            secrets.UnionWith(source.Tokens);
            foreach (var method in source.Auth) secrets.UnionWith(method.SecretValues());
            if (source.AuthentikApi is { } api) secrets.Add(api.Token);
        }
        foreach (var destination in config.Destinations.Values)
        {
            if (destination.Token is { } token) secrets.Add(token);
        }
        if (config.Server.AdminToken is { } adminToken) secrets.Add(adminToken);
        if (config.Storage.Password is { } password) secrets.Add(password);
        secrets.Remove("");
        // As they would appear in a URL too (a query token with '+' or '/' is written percent-encoded).
        foreach (var secret in secrets.ToArray()) secrets.Add(Uri.EscapeDataString(secret));
        // Longest first, so a secret that contains another is replaced whole.
        return [.. secrets.OrderByDescending(s => s.Length)];
    }
}
