using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bridge.Tests.Support;
using static Bridge.Tests.Authentik.GroupLookupPayloads;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Authentik;

/// <summary>
/// Groups from Authentik's user API when the body carries none, through the real host: a fake Authentik API and a fake
/// ntfy on 127.0.0.1, the bridge on a fake clock for the cache and the retries.
/// </summary>
public sealed class GroupLookupTests
{



    [Theory]
    [InlineData(AuthentikApiShape.Before2026)]
    [InlineData(AuthentikApiShape.Since2026)]
    public async Task AUserKnownByPkIsLookedUpByPkAndItsGroupsMatchTheRuleAndReachTheMapping(AuthentikApiShape shape)
    {
        await using var api = await ApiWithAliceAsync(shape);
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config(api.Url, groupsMapping: true), ntfy, GroupsMapping);

        using var answer = await bridge.PostHookAsync("authentik", LoginWithoutGroups());

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var accepted = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("waiting_for_groups", accepted.GetProperty("status").GetString());
        var sent = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal("alice.admin in authentik Admins, ops", sent.Text("message"));
        Assert.Equal(["/api/v3/core/users/7/?include_groups=true"], api.Requests);
        var stored = await GetJsonAsync(bridge, "/api/events/3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e");
        Assert.Equal("admin-login", stored.GetProperty("verdicts")[0].GetProperty("rule").GetString());
        Assert.True(stored.GetProperty("verdicts")[0].GetProperty("matched").GetBoolean());
        Assert.Equal("""["authentik Admins","ops"]""", stored.GetProperty("event").GetProperty("user").GetProperty("groups").GetRawText());
    }

    [Fact]
    public async Task AUserNamedOnlyByUsernameIsLookedUpByUsername()
    {
        await using var api = await ApiWithAliceAsync();
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config(api.Url, groupsMapping: true), ntfy, GroupsMapping);

        // Authentik's default body: flat event_user_* keys, no pk, no groups.
        using var answer = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("default-body-login-failed.json"));

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        Assert.Equal("alice.admin in authentik Admins, ops", Assert.Single(await ntfy.WaitForMessagesAsync(1)).Text("message"));
        Assert.Equal(["/api/v3/core/users/?username=alice.admin&include_groups=true"], api.Requests);
    }

    [Fact]
    public async Task AnAnswerIsReusedForTheCacheTimeAndAskedAgainAfterIt()
    {
        await using var api = await ApiWithAliceAsync();
        await using var ntfy = await FakeNtfy.StartAsync();
        var time = new FakeTimeProvider(Start);
        await using var bridge = await BridgeTestHost.StartAsync(Config(api.Url, groupsMapping: true), ntfy, GroupsMapping, new TestHostOptions(Time: time));
        using (await bridge.PostHookAsync("authentik", LoginWithoutGroups("e1000000000000000000000000000001"))) { }
        await ntfy.WaitForMessagesAsync(1);
        // ntfy has the message before the bridge has ntfy's answer: a clock moved meanwhile would time the send out.
        await DeliveryClock.QuietAsync(bridge);

        time.Advance(TimeSpan.FromMinutes(4));
        using var cached = await bridge.PostHookAsync("authentik", LoginWithoutGroups("e1000000000000000000000000000002"));

        // A cache hit is judged at ingest: the 202 names the rule the looked-up groups matched.
        var accepted = await cached.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("accepted", accepted.GetProperty("status").GetString());
        Assert.Equal("admin-login", accepted.GetProperty("matched")[0].GetString());
        await ntfy.WaitForMessagesAsync(1);
        Assert.Single(api.Requests);
        await DeliveryClock.QuietAsync(bridge);

        time.Advance(TimeSpan.FromMinutes(2));
        using (var expired = await bridge.PostHookAsync("authentik", LoginWithoutGroups("e1000000000000000000000000000003")))
        {
            Assert.Equal("waiting_for_groups", (await expired.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }
        await ntfy.WaitForMessagesAsync(1);
        Assert.Equal(2, api.Requests.Count);
    }

    [Fact]
    public async Task AUserInNoGroupIsAnAnswerThatMatchesNoGroupRuleAndIsCachedToo()
    {
        await using var api = await FakeAuthentikApi.StartAsync();
        api.AddUser(7, "alice.admin");
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config(api.Url, groupsMapping: true), ntfy, GroupsMapping);

        using (await bridge.PostHookAsync("authentik", LoginWithoutGroups("e2000000000000000000000000000001"))) { }
        await bridge.Logs.WaitForMessageAsync("no rule matched");
        using var second = await bridge.PostHookAsync("authentik", LoginWithoutGroups("e2000000000000000000000000000002"));

        var accepted = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("accepted", accepted.GetProperty("status").GetString());
        Assert.Equal(0, accepted.GetProperty("matched").GetArrayLength());
        Assert.Contains("has groups []", accepted.GetProperty("not_matched").GetProperty("admin-login").GetString(), StringComparison.Ordinal);
        var first = await GetJsonAsync(bridge, "/api/events/e2000000000000000000000000000001");
        Assert.Equal("processed", first.GetProperty("status").GetString());
        Assert.Single(api.Requests);
        Assert.Equal(0, ntfy.Requests);
    }
}
