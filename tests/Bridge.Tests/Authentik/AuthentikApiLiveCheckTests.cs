using Bridge.Cli;
using Bridge.Tests.Support;

namespace Bridge.Tests.Authentik;

/// <summary><c>bridge check --live</c> asks the group lookup's API as the bridge will, against a fake Authentik on 127.0.0.1.</summary>
public sealed class AuthentikApiLiveCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose()
    {
        _dir.Dispose();
        _out.Dispose();
        _err.Dispose();
    }

    private string Config(Uri api, string token) => _dir.Write("bridge.yaml", $$"""
        destinations:
          ntfy: {}
        sources:
          authentik:
            format: authentik
            token: hook-secret-7f3a9c0000000000
            authentik_api: { url: "{{api}}", token: "{{token}}" }
        rules:
          - { name: all, topic: all }
        """);

    private Task<int> CheckAsync(string config) => CheckCommand.RunAsync(BridgeCli.Create().Parse(["check", "--live", "--config", config]), _out, _err, CancellationToken.None);

    private string[] Failures => _err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task AGoodTokenThatMayViewUsersPasses()
    {
        await using var api = await FakeAuthentikApi.StartAsync();
        api.AddUser(7, "alice.admin", "authentik Admins");

        Assert.Equal(0, await CheckAsync(Config(api.Url, FakeAuthentikApi.Token)));

        Assert.Contains($"source authentik: Authentik's API at {api.Url} answers, and the token may view users and their groups", _out.ToString(), StringComparison.Ordinal);
        Assert.Equal(["/api/v3/core/users/?page_size=1&include_groups=true"], api.Requests);
    }

    [Fact]
    public async Task ABadTokenIsOneFailLineSayingWhatToFix()
    {
        await using var api = await FakeAuthentikApi.StartAsync();
        api.AddUser(7, "alice.admin", "authentik Admins");

        Assert.Equal(1, await CheckAsync(Config(api.Url, "ak-wrong-token-0000000000000000000000000000")));

        var failure = Assert.Single(Failures);
        Assert.StartsWith($"FAIL source authentik: group lookup: Authentik's API at {api.Url} refused the token (403: Token invalid/expired)", failure, StringComparison.Ordinal);
        Assert.Contains("authentik_core.view_user", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenThatSeesNoUsersIsToldWhichPermissionsItLacks()
    {
        await using var api = await FakeAuthentikApi.StartAsync();

        Assert.Equal(1, await CheckAsync(Config(api.Url, FakeAuthentikApi.Token)));

        Assert.Equal(["FAIL source authentik: group lookup: the token sees no users: give its account the permissions authentik_core.view_user and authentik_core.view_group (docs/setup.md, group lookup)"], Failures);
    }
}
