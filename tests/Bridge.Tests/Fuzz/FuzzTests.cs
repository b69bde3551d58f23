using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Bridge.Hosting;
using Bridge.Tests.Support;

namespace Bridge.Tests.Fuzz;

/// <summary>
/// Thousands of random and mutated requests at the running service, with valid events between them: every answer is
/// 2xx or 4xx, the service stays up with bounded memory, nothing reaches the catch-all handler, and every valid event
/// is delivered.
/// </summary>
public sealed class FuzzTests
{
    private const int Seed = 20_260_314;
    private const int Lanes = 4;
    private const int RequestsPerLane = 800;
    private const int ValidEvery = 20;
    private const string GitHubSecret = "fuzz-github-secret-51c0";
    private const string StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    // The junk and the valid events come from one address: a lockout for failed authentication would refuse both.
    private const string Config = """
        server:
          limits: { max_body: 64KB, max_in_flight: 1000, per_client: none, auth_failures: { requests: 1000000, per: 1s } }
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            timeout: 5s
            rate: none
            retry: { schedule: [0s, 10ms, 10ms] }
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
          github:
            format: json
            action_field: action
            auth:
              github: { secret: "${GITHUB_SECRET}" }
          svix:
            format: json
            action_field: action
            auth:
              standard_webhooks: { secret: "${SW_SECRET}" }
        rules:
          - name: valid
            match: { action: [custom_fuzz, fuzz_valid] }
            mapping: fuzz.js
            topic: fuzz
        """;

    [Fact]
    public async Task JunkNeverGetsA5xxAndValidEventsBetweenItAreAllDelivered()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy,
            new Dictionary<string, string> { ["fuzz.js"] = "function map(event, ctx) { return { title: 'fuzz', message: String((event.raw && event.raw.id) || event.id) }; }" },
            new TestHostOptions(Environment: new Dictionary<string, string> { ["GITHUB_SECRET"] = GitHubSecret, ["SW_SECRET"] = StandardSecret }));
        var template = TestPaths.ReadAuthentikPayload("event-login-admin.json");
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        var lanes = Enumerable.Range(0, Lanes).Select(lane => Task.Run(() => RunLaneAsync(bridge, lane, template))).ToArray();
        var results = await Task.WhenAll(lanes);

        var unexpected = results.SelectMany(r => r.Unexpected).ToList();
        Assert.True(unexpected.Count == 0, "answers outside 2xx/4xx:\n" + string.Join("\n", unexpected.Take(20)));
        // The junk reaches every stage: routing, authentication, signatures, replays, size, parsing and shape.
        var statuses = results.SelectMany(r => r.Statuses).ToHashSet();
        Assert.Superset(new HashSet<int> { 202, 400, 401, 404, 413, 422 }, statuses);
        var valid = results.SelectMany(r => r.ValidIds).ToHashSet();
        Assert.Equal(Lanes * (RequestsPerLane / ValidEvery), valid.Count);
        await WaitForAllAsync(ntfy, valid);

        using var health = await bridge.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.DoesNotContain(bridge.Logs.Events, e => e.MessageTemplate.Text == UnexpectedErrorHandler.LogMessage);
        // Generous: the point is that nothing grows with the number of requests (no buffer kept, no unbounded cache).
        var growth = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;
        Assert.True(growth < 256L * 1024 * 1024, $"managed memory grew by {growth / 1024 / 1024} MB");
    }

    private static async Task<LaneResult> RunLaneAsync(BridgeTestHost bridge, int lane, byte[] template)
    {
        var random = new Random(Seed + lane);
        var junk = new JunkFactory(random, BridgeTestHost.HookToken, GitHubSecret, StandardSecret, template);
        var result = new LaneResult();
        for (var i = 1; i <= RequestsPerLane; i++)
        {
            var request = i % ValidEvery == 0 ? Valid(lane, i, template, result.ValidIds) : junk.Next();
            var status = await SendAsync(bridge, request);
            result.Statuses.Add(status);
            if (status is < 200 or >= 500 or (>= 300 and < 400))
                result.Unexpected.Add($"lane {lane} #{i} ({request.Kind}) {request.PathAndQuery}: {status} for {Describe(request.Body)}");
        }
        return result;
    }

    /// <summary>A valid event for one of the three sources, in turn; its id is what the mapping puts in the message.</summary>
    private static FuzzRequest Valid(int lane, int i, byte[] template, List<string> ids)
    {
        var id = $"{lane:x2}{i:x6}".PadLeft(32, 'f');
        ids.Add(id);
        switch (i / ValidEvery % 3)
        {
            case 0:
                var text = Encoding.UTF8.GetString(template).Replace("3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e", id, StringComparison.Ordinal)
                    .Replace("\"action\": \"login\"", "\"action\": \"custom_fuzz\"", StringComparison.Ordinal);
                return new FuzzRequest("/hooks/authentik", [("Authorization", "Bearer " + BridgeTestHost.HookToken)], Encoding.UTF8.GetBytes(text), "valid authentik");
            case 1:
                var github = Encoding.UTF8.GetBytes($"{{\"action\": \"fuzz_valid\", \"id\": \"{id}\"}}");
                var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(GitHubSecret), github));
                return new FuzzRequest("/hooks/github", [("X-Hub-Signature-256", signature)], github, "valid github");
            default:
                var body = Encoding.UTF8.GetBytes($"{{\"action\": \"fuzz_valid\", \"id\": \"{id}\"}}");
                var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                var key = Convert.FromBase64String(StandardSecret["whsec_".Length..]);
                var mac = HMACSHA256.HashData(key, (byte[])[.. Encoding.UTF8.GetBytes($"msg_{id}.{timestamp}."), .. body]);
                return new FuzzRequest("/hooks/svix", [("webhook-id", "msg_" + id), ("webhook-timestamp", timestamp), ("webhook-signature", "v1," + Convert.ToBase64String(mac))], body, "valid standard webhooks");
        }
    }

    private static async Task<int> SendAsync(BridgeTestHost bridge, FuzzRequest fuzz)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fuzz.PathAndQuery) { Content = new ByteArrayContent(fuzz.Body) };
        foreach (var (name, value) in fuzz.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await bridge.Client.SendAsync(request);
        // Read every answer, so a 4xx that is not problem+json shows up as a failure of its own.
        var contentType = response.Content.Headers.ContentType?.MediaType;
        await response.Content.ReadAsByteArrayAsync();
        var status = (int)response.StatusCode;
        return status >= 400 && contentType != "application/problem+json" && response.Content.Headers.ContentLength != 0 ? -status : status;
    }

    private static async Task WaitForAllAsync(FakeNtfy ntfy, HashSet<string> ids)
    {
        var missing = new HashSet<string>(ids);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            foreach (var message in ntfy.Published) missing.Remove(message.Text("message") ?? "");
            if (missing.Count == 0) return;
            try
            {
                await ntfy.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)).WaitAsync(deadline.Token);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                Assert.Fail($"{missing.Count} of {ids.Count} valid events were not delivered, e.g. {missing.First()}");
            }
        }
    }

    private static string Describe(byte[] body) =>
        body.Length <= 120 ? Convert.ToHexString(body) : $"{body.Length} bytes starting {Convert.ToHexString(body.AsSpan(0, 60))}";

    private sealed class LaneResult
    {
        public List<string> Unexpected { get; } = [];

        public List<string> ValidIds { get; } = [];

        public HashSet<int> Statuses { get; } = [];
    }
}
