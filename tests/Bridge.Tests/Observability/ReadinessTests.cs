using System.Net;
using System.Text.Json;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Observability;

/// <summary><c>/readyz</c>: the config, the store and each destination, without a token, and nothing secret.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task ReadyzAnswersWithoutATokenAndNamesEachDestinationsState()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin + "\nserver: { admin_token: admin-9d2b }\n", ntfy);

        var response = await bridge.Client.GetAsync("/readyz");
        var text = await response.Content.ReadAsStringAsync();
        var ready = JsonDocument.Parse(text).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("loaded", ready.GetProperty("config").GetString());
        Assert.Equal("writable", ready.GetProperty("store").GetString());
        var destination = Assert.Single(ready.GetProperty("destinations").EnumerateArray());
        Assert.Equal("ntfy", destination.GetProperty("name").GetString());
        Assert.Equal("healthy", destination.GetProperty("state").GetString());
        Assert.DoesNotContain(ntfy.Token!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ntfy.Url.Authority, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadyzIs503WhileTheStoreCannotCommit()
    {
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, options: new TestHostOptions(WrapStore: s => s with { Health = new FailingHealth() }));

        var response = await bridge.Client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var ready = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("not_ready", ready.GetProperty("status").GetString());
        Assert.Equal("failing", ready.GetProperty("store").GetString());
    }

    /// <summary>A store whose last commit failed, as a full disk leaves it.</summary>
    private sealed class FailingHealth : Bridge.Storage.IStoreHealth
    {
        public string? LastCommitFailure => "SQLite error 13: database or disk is full";
    }
}
