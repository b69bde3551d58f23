using System.Net;
using System.Text;
using Bridge.Configuration;
using Bridge.Hosting;
using Bridge.Tests.Support;
using Serilog.Events;
using static Bridge.Tests.Ingest.Auth.AuthTestKit;

namespace Bridge.Tests.Hosting;

/// <summary>Configured secrets never reach a log line, whatever path they take into it.</summary>
public sealed class SecretRedactionTests
{
    private const string HmacSecret = "hmac-secret-9a7e55";
    private const string BearerOnly = "bearer-only-4411aa";
    private const string QueryOnly = "query/only+token=77";
    private const string BasicPassword = "basic-pw-0c9d3e";

    private const string Config = """
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            timeout: 2s
            retry: { schedule: [0s] }
          rehearsal: {}
        sources:
          everything:
            format: json
            token: ${HOOK_TOKEN}
            auth:
              bearer: ${BEARER_ONLY}
              query: ${QUERY_ONLY}
              basic: { user: sender, password: "${BASIC_PASSWORD}" }
              github: { secret: "${GITHUB_SECRET}" }
              standard_webhooks: { secret: "${SW_SECRET}" }
              hmac: { header: X-Signature, secret: "${HMAC_SECRET}" }
        rules:
          - name: sent
            mapping: echo.js
            destination: ntfy
            topic: echo
          - name: rehearsed
            mapping: echo.js
            destination: rehearsal
            topic: echo
        """;

    [Fact]
    public void EveryKindOfSecretIsCollectedWithItsUrlForm()
    {
        var config = Load(Config, new Dictionary<string, string>(Environment(ntfyToken: "tk_ntfytoken")) { ["NTFY_URL"] = "https://ntfy.example.com" });

        var secrets = ConfiguredSecrets.Of(config);

        foreach (var secret in new[] { BridgeTestHost.HookToken, BearerOnly, QueryOnly, Uri.EscapeDataString(QueryOnly), BasicPassword, GitHubSecret, StandardSecret, HmacSecret, "tk_ntfytoken" })
            Assert.Contains(secret, secrets);
        Assert.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes("sender:" + BasicPassword)), secrets);
    }

    [Fact]
    public void TheAdminTokenIsASecretToo()
    {
        var config = Load("""
            server: { admin_token: admin-token-0123456789abcdef }
            sources: { plain: { token: hook-token-0123456789abcdef } }
            """, new Dictionary<string, string>());

        Assert.Contains("admin-token-0123456789abcdef", ConfiguredSecrets.Of(config));
    }

    [Fact]
    public void SecretsAreMaskedInNestedValuesAndOtherValuesAreLeftAlone()
    {
        IReadOnlyList<string> secrets = ["s3cret-long", "s3cret"];
        var untouched = new ScalarValue("nothing to see");
        var structure = new StructureValue([new LogEventProperty("Url", new ScalarValue(new Uri("https://x.example/?token=s3cret"))), new LogEventProperty("Plain", untouched)]);
        var sequence = new SequenceValue([new ScalarValue("a s3cret-long b"), untouched]);
        var dictionary = new DictionaryValue([new(new ScalarValue("s3cret"), new ScalarValue(1))]);

        Assert.Same(untouched, SecretRedactor.Redact(untouched, secrets));
        Assert.Equal("[\"a *** b\", \"nothing to see\"]", SecretRedactor.Redact(sequence, secrets).ToString());
        Assert.Equal("{ Url: \"https://x.example/?token=***\", Plain: \"nothing to see\" }", SecretRedactor.Redact(structure, secrets).ToString());
        Assert.Equal("[(\"***\": 1)]", SecretRedactor.Redact(dictionary, secrets).ToString());
    }

    [Fact]
    public async Task NoSecretReachesTheLogEvenWhenSendersPutThemInBodies()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var clock = ClockAt(StandardTimestamp);
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, new Dictionary<string, string>
        {
            // The mapping writes the body to the script console too, which the bridge logs.
            ["echo.js"] = "function map(event, ctx) { console.log(JSON.stringify(event.raw)); return { message: JSON.stringify(event.raw) }; }",
        }, new TestHostOptions(Time: clock, Environment: Environment()));
        string[] secrets = [BridgeTestHost.HookToken, ntfy.Token!, BearerOnly, QueryOnly, BasicPassword, GitHubSecret, StandardSecret, HmacSecret];
        // A body quoting every secret: the dry-run destination and the script console log it whole.
        // Each send differs by "n": identical bodies on a json source are copies, and copies send nothing.
        string Body(int n) => "{\"n\": " + n + ", \"leak\": \"" + string.Join(" ", secrets) + "\"}";
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("sender:" + BasicPassword));
        ntfy.FailNext(401, error: "unauthorized");

        var answers = new List<HttpStatusCode>();
        async Task Send(string path, string content, params (string, string)[] headers)
        {
            using var response = await bridge.PostRawAsync(path, Encoding.UTF8.GetBytes(content), headers);
            answers.Add(response.StatusCode);
        }
        await Send("/hooks/everything", Body(1), ("Authorization", "Bearer " + BridgeTestHost.HookToken));
        await Send("/hooks/everything", Body(2), ("Authorization", "Bearer " + BearerOnly));
        await Send("/hooks/everything?token=" + Uri.EscapeDataString(QueryOnly), Body(3));
        await Send("/hooks/everything", Body(4), ("Authorization", "Basic " + basic));
        await Send("/hooks/everything", Body(5), ("X-Hub-Signature-256", GitHubSign(GitHubSecret, Body(5))));
        await Send("/hooks/everything", Body(6), StandardHeaders(StandardSign(StandardSecret, "msg_leak", StandardTimestamp, Body(6)), "msg_leak"));
        await Send("/hooks/everything", Body(7), ("X-Signature", Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(HmacSecret), Encoding.UTF8.GetBytes(Body(7))))));
        await Send("/hooks/everything?token=wrong", Body(8), ("Authorization", "Bearer " + BridgeTestHost.HookToken + "x"));
        // A 401 from ntfy pauses the destination (its log names the refusal) rather than dropping the message. A send under
        // way then may resume it; if none does, the probe that resumes it is due on the bridge's (fake) clock, so move that
        // clock past it, once, with no send under way: a send's timeout runs on that clock too.
        await bridge.Logs.WaitForMessageAsync("PAUSED destination");
        if (await DeliveryClock.PausedAndQuietAsync(bridge)) clock.Advance(TimeSpan.FromMinutes(5));
        await ntfy.WaitForMessagesAsync(6);
        await bridge.Logs.WaitForAsync(e => e.Properties.ContainsKey("MessageJson") && Count(bridge, "Dry-run") >= 7);

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Accepted, 7), HttpStatusCode.Unauthorized], answers);
        var log = bridge.Logs.AllText();
        Assert.Contains(SecretRedactor.Mask, log, StringComparison.Ordinal);
        foreach (var secret in secrets.Append(basic).Append(Uri.EscapeDataString(QueryOnly)))
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
    }

    private static int Count(BridgeTestHost bridge, string prefix) =>
        bridge.Logs.Events.Count(e => e.RenderMessage().StartsWith(prefix, StringComparison.Ordinal));

    private static Dictionary<string, string> Environment(string? ntfyToken = null)
    {
        var env = new Dictionary<string, string>
        {
            ["BEARER_ONLY"] = BearerOnly,
            ["QUERY_ONLY"] = QueryOnly,
            ["BASIC_PASSWORD"] = BasicPassword,
            ["GITHUB_SECRET"] = GitHubSecret,
            ["SW_SECRET"] = StandardSecret,
            ["HMAC_SECRET"] = HmacSecret,
            ["HOOK_TOKEN"] = BridgeTestHost.HookToken,
        };
        if (ntfyToken is not null) env["NTFY_TOKEN"] = ntfyToken;
        return env;
    }

    private static BridgeConfig Load(string yaml, IReadOnlyDictionary<string, string> env) =>
        ConfigLoader.Load(yaml, null, Path.GetTempPath(), new EnvInterpolator(n => env.GetValueOrDefault(n))).Config
        ?? throw new InvalidOperationException("config does not load");
}
