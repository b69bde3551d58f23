using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using Bridge.Configuration;

namespace Bridge.Cli;

/// <summary>
/// What <c>bridge status</c> and <c>bridge replay</c> share: they talk to the running bridge's admin API, at the address
/// and with the token its configuration gives (or <c>--url</c> and <c>BRIDGE_ADMIN_TOKEN</c>).
/// </summary>
public static class AdminClient
{
    public const string TokenVariable = "BRIDGE_ADMIN_TOKEN";

    public static readonly Option<string?> Url = new("--url")
    {
        Description = "The running bridge, e.g. http://127.0.0.1:8080 (default: from the config's server.urls)",
    };

    /// <summary>Makes a client for the bridge the command line points at; null (with the reason written) when it cannot.</summary>
    public static HttpClient? Create(ParseResult result, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(errors);
        var url = result.GetValue(Url);
        var token = Environment.GetEnvironmentVariable(TokenVariable);
        if (url is null || token is null)
        {
            var (runtime, _) = RuntimeLoading.Load(result.GetValue(BridgeCli.Config), TextWriter.Null, errors);
            if (runtime is null && url is null) return null;
            url ??= LocalUrl(runtime!.Config.Server.Urls);
            token ??= runtime?.Config.Server.AdminToken;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseAddress))
        {
            errors.WriteLine($"error: \"{url}\" is not a URL");
            return null;
        }
        var client = new HttpClient
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
            // A page of the admin API is well under this; whatever answers at the URL cannot make the CLI buffer more.
            MaxResponseContentBufferSize = 8 * 1024 * 1024,
        };
        if (!string.IsNullOrEmpty(token)) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The first listen URL, with a wildcard host replaced by loopback (where this command runs).</summary>
    public static string LocalUrl(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? ServerConfig.DefaultUrls;
        foreach (var wildcard in new[] { "://0.0.0.0", "://[::]", "://+", "://*" })
            first = first.Replace(wildcard, "://127.0.0.1", StringComparison.Ordinal);
        return first;
    }

    /// <summary>Sends a request; the JSON answer, or null with the problem written to <paramref name="errors"/>.</summary>
    public static Task<JsonElement?> SendAsync(HttpClient client, HttpMethod method, string path, TextWriter errors, CancellationToken ct) =>
        SendAsync(client, method, path, null, errors, ct);

    /// <summary>The same, with a request body (<c>bridge silence add</c>).</summary>
    public static async Task<JsonElement?> SendAsync(HttpClient client, HttpMethod method, string path, HttpContent? content, TextWriter errors, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = content }, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonElement? body = null;
            try
            {
                body = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not the bridge's JSON: reported with the status below.
            }
            if (response.IsSuccessStatusCode && body is not null) return body;
            var detail = body is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty("detail", out var d) ? d.GetString() : text;
            errors.WriteLine($"error: {method} {path} answered {(int)response.StatusCode}: {detail}");
            return null;
        }
        catch (HttpRequestException e)
        {
            errors.WriteLine($"error: cannot reach the bridge at {client.BaseAddress}: {e.Message}");
            return null;
        }
    }
}
