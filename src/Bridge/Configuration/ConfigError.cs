namespace Bridge.Configuration;

/// <summary>One problem in the configuration, located by its path (<c>rules[2].match.client_ip</c>).</summary>
public sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => string.IsNullOrEmpty(Path) ? Message : $"{Path}: {Message}";
}
