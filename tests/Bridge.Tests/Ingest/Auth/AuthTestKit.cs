using System.Security.Cryptography;
using System.Text;
using Bridge.Configuration;
using Bridge.Ingest.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Ingest.Auth;

/// <summary>Sources built from YAML as users write them, requests as senders make them, and the vectors from the issue.</summary>
internal static class AuthTestKit
{
    public const string StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public const string StandardId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    public const long StandardTimestamp = 1614265330;
    public const string StandardBody = "{\"test\": 2432232314}";
    public const string StandardSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    public const string GitHubSecret = "It's a Secret to Everybody";
    public const string GitHubBody = "Hello, World!";
    public const string GitHubSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    /// <summary>One source named <c>hook</c> with the given source keys (indented under it).</summary>
    public static SourceConfig Source(string keys, IReadOnlyDictionary<string, string?>? env = null)
    {
        var yaml = "sources:\n  hook:\n    format: json\n" + string.Join('\n', keys.Split('\n').Select(l => "    " + l)) + "\n";
        var result = ConfigLoader.Load(yaml, null, Path.GetTempPath(), new EnvInterpolator(n => env?.GetValueOrDefault(n)));
        if (result.Config is null) throw new InvalidOperationException(string.Join("\n", result.Errors));
        return result.Config.Sources["hook"];
    }

    public static HttpRequest Request(params (string Name, string Value)[] headers) => Request(null, headers);

    public static HttpRequest Request(string? query, params (string Name, string Value)[] headers)
    {
        var http = new DefaultHttpContext();
        foreach (var (name, value) in headers) http.Request.Headers.Append(name, value);
        if (query is not null) http.Request.QueryString = new QueryString(query);
        return http.Request;
    }

    public static FakeTimeProvider ClockAt(long unixSeconds) => new(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

    public static SourceAuthenticator Authenticator(TimeProvider? time = null) =>
        new(time ?? ClockAt(StandardTimestamp), new ReplayCache(time ?? ClockAt(StandardTimestamp)));

    /// <summary>The full check, as the gate makes it once the body is in.</summary>
    public static AuthDecision Check(this SourceAuthenticator authenticator, SourceConfig source, HttpRequest request, string body = "") =>
        authenticator.WithBody(source, request, Encoding.UTF8.GetBytes(body));

    public static string StandardSign(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }

    public static (string, string)[] StandardHeaders(string signature, string id = StandardId, long timestamp = StandardTimestamp) =>
        [("webhook-id", id), ("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("webhook-signature", signature)];

    public static string GitHubSign(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));
}
