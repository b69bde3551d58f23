using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bridge.Cli;
using Bridge.Tests.Incidents;
using Bridge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Silences;

/// <summary>Silences through the real host: made by the API and the CLI, holding matching events (stored, with the reason), durable, over on time.</summary>
public sealed class SilenceTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);

    internal const string Config = """
        mapping_limits: { timeout: 30s }
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            retry: { schedule: [0s, 10ms] }
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - name: failed-login
            match: { action: login_failed }
            topic: failures
        """;

    private const string PenTest = """{"match": {"action": "login_failed", "user": "alice.admin"}, "for": "1h", "comment": "pen test until ten"}""";

    [Fact]
    public async Task ASilenceHoldsMatchingEventsWhichAreStoredWithTheReasonSurvivesARestartAndEndsOnTime()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        var options = new TestHostOptions(Directory: directory, Time: time);
        string id;
        await using (var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: options))
        {
            using var made = await PostJsonAsync(bridge, PenTest);
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
            var silence = await made.Content.ReadFromJsonAsync<JsonElement>();
            id = silence.GetProperty("id").GetString()!;
            Assert.Matches("^sil_[0-9a-f]{12}$", id);
            Assert.Equal(Start + TimeSpan.FromHours(1), silence.GetProperty("ends_at").GetDateTimeOffset());
            Assert.Equal($"/api/silences/{id}", made.Headers.Location!.ToString());

            using var held = await bridge.PostHookAsync("authentik", IncidentCardTests.FailedLogin(1, "10.0.0.1"));
            var answer = await held.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Empty(answer.GetProperty("matched").EnumerateArray());
            Assert.Equal($"silenced by {id} (action=login_failed, user=alice.admin) until 2026-03-14T10:00:00Z: pen test until ten",
                answer.GetProperty("not_matched").GetProperty("failed-login").GetString());
            var stored = JsonDocument.Parse(await bridge.Client.GetStringAsync(new Uri($"/api/events/{1:x32}", UriKind.Relative))).RootElement;
            Assert.StartsWith($"silenced by {id}", stored.GetProperty("verdicts")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        time.Advance(TimeSpan.FromMinutes(30));
        await using var restarted = await BridgeTestHost.StartAsync(Config, ntfy, options: options);
        var listed = JsonDocument.Parse(await restarted.Client.GetStringAsync(new Uri("/api/silences", UriKind.Relative))).RootElement;
        Assert.Equal(id, Assert.Single(listed.GetProperty("silences").EnumerateArray()).GetProperty("id").GetString());
        using (var stillHeld = await restarted.PostHookAsync("authentik", IncidentCardTests.FailedLogin(2, "10.0.0.1")))
            Assert.Empty((await stillHeld.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matched").EnumerateArray());

        time.SetUtcNow(Start + TimeSpan.FromHours(1));
        using (var after = await restarted.PostHookAsync("authentik", IncidentCardTests.FailedLogin(3, "10.0.0.1")))
            Assert.Equal("failed-login", Assert.Single((await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matched").EnumerateArray()).GetString());
        Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal(1, ntfy.Requests);
        Assert.Empty(JsonDocument.Parse(await restarted.Client.GetStringAsync(new Uri("/api/silences", UriKind.Relative))).RootElement.GetProperty("silences").EnumerateArray());
    }

    [Fact]
    public async Task ASilenceEndedByHandHoldsNothingMore()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: new TestHostOptions(Time: new FakeTimeProvider(Start)));
        using var made = await PostJsonAsync(bridge, PenTest);
        var id = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var ended = await bridge.Client.DeleteAsync(new Uri($"/api/silences/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal(Start, (await ended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ended_at").GetDateTimeOffset());
        using var again = await bridge.Client.DeleteAsync(new Uri($"/api/silences/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);

        using var sent = await bridge.PostHookAsync("authentik", IncidentCardTests.FailedLogin(1, "10.0.0.1"));
        Assert.Single((await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matched").EnumerateArray());
    }

    [Theory]
    [InlineData("""{"match": {}, "for": "1h", "comment": "x"}""", "match: give at least one key: an empty match would silence every event")]
    [InlineData("""{"match": {"action": "login", "usr": "bob"}, "for": "1h", "comment": "x"}""", "match.usr: unknown key (known keys: action, user, group, client_ip, rule, source)")]
    [InlineData("""{"match": {"client_ip": "10.0.0.0/33"}, "for": "1h", "comment": "x"}""", "match.client_ip: \"10.0.0.0/33\" is not an IP address or CIDR range")]
    [InlineData("""{"match": {"action": "login"}, "for": "an hour", "comment": "x"}""", "for: \"an hour\" is not a duration (examples: 30m, 1h, 1h30m, 2d)")]
    [InlineData("""{"match": {"action": "login"}, "for": "31d", "comment": "x"}""", "for: 31d is longer than 30 days")]
    [InlineData("""{"match": {"action": "login"}, "for": "1h"}""", "comment: required: say why, for whoever finds the silence")]
    [InlineData("""{"match": {"action": 5}, "for": "1h", "comment": "x", "until": "never"}""", "until: unknown key (known keys: match, for, comment); match.action: must be a non-empty string")]
    [InlineData("""not json""", "the body is not JSON")]
    public async Task AWrongSilenceIsRefusedWithProblemJsonSayingWhy(string body, string expected)
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config);

        using var answer = await PostJsonAsync(bridge, body);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(expected, (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCliAddsListsAndEndsSilences()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config, options: new TestHostOptions(Time: new FakeTimeProvider(Start)));
        var url = bridge.Client.BaseAddress!.ToString();

        var (code, added, _) = await RunAsync(SilenceCommand.AddAsync, ["silence", "add", "--user", "bob", "--action", "login", "--for", "2h", "--comment", "bob's laptop", "--url", url]);
        Assert.Equal(0, code);
        Assert.Matches(@"^sil_[0-9a-f]{12} action=login, user=bob until 2026-03-14 11:00:00Z \(admin API\): bob's laptop; `bridge silence end sil_[0-9a-f]{12}` ends it early", added);
        var id = added[..16];

        var (_, listed, _) = await RunAsync(SilenceCommand.ListAsync, ["silence", "list", "--url", url]);
        Assert.Equal($"{id} action=login, user=bob until 2026-03-14 11:00:00Z (admin API): bob's laptop", listed.Trim());

        Assert.Equal(0, (await RunAsync(SilenceCommand.EndAsync, ["silence", "end", id, "--url", url])).Code);
        Assert.Equal("no silence in force", (await RunAsync(SilenceCommand.ListAsync, ["silence", "list", "--url", url])).Output.Trim());
        var (failed, _, error) = await RunAsync(SilenceCommand.EndAsync, ["silence", "end", id, "--url", url]);
        Assert.Equal(1, failed);
        Assert.Contains($"answered 404: no silence '{id}' is in force", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Errors)> RunAsync(
        Func<System.CommandLine.ParseResult, TextWriter, TextWriter, CancellationToken, Task<int>> run, string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var code = await run(BridgeCli.Create().Parse(args), output, errors, CancellationToken.None);
        return (code, output.ToString(), errors.ToString());
    }

    private static Task<HttpResponseMessage> PostJsonAsync(BridgeTestHost bridge, string body) =>
        bridge.Client.PostAsync(new Uri("/api/silences", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
}
