using System.Net;
using System.Text.Json;
using Bridge.Ingest.Limits;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Ingest.Limits;

/// <summary>Limits that fit Authentik: its bursts are not throttled by address, guessing is, and refusals are summarised in the log.</summary>
public sealed class AuthenticatedLimitsTests
{
    private static readonly string Config = EndToEndConfigs.DryRun();

    private static readonly byte[] Event = TestPaths.ReadAuthentikPayload("event-login-admin.json");

    [Fact]
    public async Task AnAuthenticatedBurstFromOneAddressIsNotThrottled()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config);
        var statuses = new List<HttpStatusCode>();

        // More than the former default of 600 a minute per address, 16 at a time as Authentik's workers send; copies of
        // one event, so every one after the first is a cheap duplicate.
        for (var batch = 0; batch < 44; batch++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => bridge.PostHookAsync("authentik", Event)));
            foreach (var r in responses)
            {
                statuses.Add(r.StatusCode);
                r.Dispose();
            }
        }

        Assert.Equal(704, statuses.Count);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Accepted, s));
    }

    [Fact]
    public async Task FailedAuthenticationLocksTheAddressOutAfterABurstUntilTheBucketRefills()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-14T09:30:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var bridge = await BridgeTestHost.StartAsync(Config, options: new TestHostOptions(Time: clock));

        for (var i = 0; i < 10; i++)
        {
            using var wrong = await bridge.PostHookAsync("authentik", Event, token: "wrong-token-guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using var eleventh = await bridge.PostHookAsync("authentik", Event, token: "wrong-token-guess-10");
        // Refused before the credential is looked at: a right guess now could not be told from a wrong one.
        using var right = await bridge.PostHookAsync("authentik", Event);
        clock.Advance(TimeSpan.FromMinutes(1));
        using var afterAMinute = await bridge.PostHookAsync("authentik", Event);

        Assert.Equal(HttpStatusCode.TooManyRequests, eleventh.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), eleventh.Headers.RetryAfter!.Delta);
        var problem = JsonDocument.Parse(await eleventh.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("too many failed authentications from 127.0.0.1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, afterAMinute.StatusCode);
    }

    [Fact]
    public async Task RepeatedRefusalsFromOneAddressAreOneLineAndThenASummaryAMinute()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-14T09:30:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var bridge = await BridgeTestHost.StartAsync(Config, options: new TestHostOptions(Time: clock));

        for (var i = 0; i < 5; i++) (await bridge.PostHookAsync("authentik", Event, token: "wrong-" + i)).Dispose();
        clock.Advance(RefusalLog.Period);
        var summary = await bridge.Logs.WaitForMessageAsync("more requests from");

        Assert.Single(bridge.Logs.Events, e => e.MessageTemplate.Text.StartsWith("Refused a hook", StringComparison.Ordinal));
        Assert.Equal("4", summary.Properties["Count"].ToString());
    }

    [Theory]
    [InlineData("hooktok-0123456789abcdef")]
    [InlineData("Token hooktok-0123456789abcdef")]
    public async Task NoPartOfAnUnsupportedAuthorizationHeaderIsEchoed(string header)
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config);

        using var response = await bridge.PostRawAsync("/hooks/authentik", Event, ("Authorization", header));
        var body = await response.Content.ReadAsStringAsync();
        await bridge.Logs.WaitForMessageAsync("Refused a hook");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("no scheme this source takes", body, StringComparison.Ordinal);
        Assert.DoesNotContain("hooktok", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Token", body, StringComparison.Ordinal);
        Assert.DoesNotContain("hooktok", bridge.Logs.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACompressedBodyIs415()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config);
        using var gzip = new MemoryStream();
        await using (var z = new System.IO.Compression.GZipStream(gzip, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) await z.WriteAsync(Event);

        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/authentik") { Content = new ByteArrayContent(gzip.ToArray()) };
        request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.Authorization = new("Bearer", BridgeTestHost.HookToken);
        using var response = await bridge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("uncompressed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
