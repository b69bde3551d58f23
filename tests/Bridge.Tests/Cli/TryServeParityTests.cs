using System.Text;
using Bridge.Cli;
using Bridge.Tests.Support;

namespace Bridge.Tests.Cli;

/// <summary><c>bridge try</c> shows what <c>serve</c> sends: the same bytes, for the same payload and config file.</summary>
public sealed class TryServeParityTests
{
    // The hook token is written inline and the ntfy settings default to nothing, so the CLI reads the very file the host runs on.
    private const string Config = $$"""
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
        sources:
          authentik:
            token: {{BridgeTestHost.HookToken}}
            base_url: https://auth.example.com
        rules:
          - name: admin-login
            match: { action: login, group: authentik Admins }
            mapping: admin-login.js
            topic: gauth
          - name: long
            match: { action: login }
            mapping: long.js
            topic: long
        """;

    // Long enough to be cut to ntfy's body limit, with text that JSON escapes and text it must not.
    private const string LongMapping = """
        function map(event, ctx) {
          return { title: `🔑 ${event.user.username} ` + 't'.repeat(3000), message: '"ü'.repeat(3000), tags: ['key'] };
        }
        """;

    [Fact]
    public async Task TryPrintsByteForByteTheNtfyJsonServeSends()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var host = await BridgeTestHost.StartAsync(Config, ntfy, new Dictionary<string, string> { ["long.js"] = LongMapping });
        var payload = TestPaths.AuthentikPayload("event-login-admin.json");

        using var response = await host.PostHookAsync("authentik", File.ReadAllBytes(payload));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var sent = (await ntfy.WaitForMessagesAsync(2)).Select(m => Encoding.UTF8.GetString(m.Body)).Order(StringComparer.Ordinal).ToList();

        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = TryCommand.Run(BridgeCli.Create().Parse(["try", "--config", Path.Combine(host.Directory, "bridge.yaml"), "--exact", payload]), output, errors);

        Assert.True(exit == 0, errors.ToString());
        var shown = output.ToString().Split('\n').Where(l => l.StartsWith("{\"", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(sent, shown);
        Assert.All(sent, body => Assert.Contains("\"sequence_id\":\"br", body, StringComparison.Ordinal));
    }
}
