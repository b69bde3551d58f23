using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Bridge.Cli;
using Bridge.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bridge.Tests.Cli;

/// <summary><c>bridge check --live</c> against an ntfy stand-in on 127.0.0.1 that authorises as ntfy does.</summary>
public sealed class LiveCheckTests : IDisposable
{
    private const string Token = "tk_livecheckuserlivecheckuser12";

    private readonly TempDirectory _dir = new();
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose()
    {
        _dir.Dispose();
        _out.Dispose();
        _err.Dispose();
    }

    private string Config(Uri ntfy, string token = Token) => _dir.Write("bridge.yaml", $$"""
        destinations:
          ntfy: { url: "{{ntfy}}", token: "{{token}}" }
        sources:
          authentik: { format: authentik, token: hook }
        rules:
          - { name: admin, source: authentik, match: { action: login }, topic: authentik-admin }
          - { name: other, source: authentik, match: { severity: alert }, topic: authentik }
        """);

    private int Check(params string[] args) => CheckCommand.RunAsync(BridgeCli.Create().Parse(["check", "--live", .. args]), _out, _err, CancellationToken.None).GetAwaiter().GetResult();

    private string[] Failures => _err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task ATokenThatMayWriteToEveryTopicPassesAndNothingIsPublished()
    {
        await using var ntfy = await AccessNtfy.StartAsync(Token, "bridge", writable: ["authentik", "authentik-admin"]);

        Assert.Equal(0, Check("--config", Config(ntfy.Url)));

        Assert.Contains("the token is accepted, as ntfy user 'bridge'", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains("may publish to 'authentik-admin'", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains("may publish to 'authentik'", _out.ToString(), StringComparison.Ordinal);
        Assert.Empty(ntfy.Published);
    }

    [Fact]
    public async Task ATopicTheTokenMayNotWriteToIsOneLineSayingHowToGrantIt()
    {
        await using var ntfy = await AccessNtfy.StartAsync(Token, "bridge", writable: ["authentik"]);

        Assert.Equal(1, Check("--config", Config(ntfy.Url)));

        Assert.Equal(["FAIL destination ntfy: the token may not publish to 'authentik-admin' (403): grant it with 'ntfy access <user> authentik-admin write-only'"], Failures);
    }

    [Fact]
    public async Task ARefusedTokenIsReportedOnceWithHowToMakeOne()
    {
        await using var ntfy = await AccessNtfy.StartAsync(Token, "bridge", writable: ["authentik", "authentik-admin"]);

        Assert.Equal(1, Check("--config", Config(ntfy.Url, token: "tk_wrongwrongwrongwrongwrongwro")));

        Assert.Equal(["FAIL destination ntfy: ntfy refuses the token (401): create one with 'ntfy token add <user>' and set the destination's token"], Failures);
    }

    [Fact]
    public async Task ADestinationThatDoesNotAnswerSaysWhatToCheck()
    {
        var closed = ClosedPort();

        Assert.Equal(1, Check("--config", Config(closed)));

        var failure = Assert.Single(Failures);
        Assert.StartsWith($"FAIL destination ntfy: {closed} does not answer (", failure, StringComparison.Ordinal);
        Assert.EndsWith("check its url, that ntfy runs, and that this machine can reach it", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushSendsOneRealLowPriorityMessagePerTopic()
    {
        await using var ntfy = await AccessNtfy.StartAsync(Token, "bridge", writable: ["authentik", "authentik-admin"]);

        Assert.Equal(0, Check("--config", Config(ntfy.Url), "--push"));

        Assert.Equal(["authentik", "authentik-admin"], ntfy.Published.Select(m => m.GetProperty("topic").GetString()).Order());
        Assert.All(ntfy.Published, m => Assert.Equal(1, m.GetProperty("priority").GetInt32()));
    }

    [Fact]
    public async Task TheBridgeUrlMustAnswerWhereAuthentikWillPost()
    {
        await using var ntfy = await AccessNtfy.StartAsync(Token, "bridge", writable: ["authentik", "authentik-admin"]);
        await using var bridge = await BridgeTestHost.StartAsync("""
            sources:
              authentik: { format: authentik, token: "${HOOK_TOKEN}" }
            """);
        var closed = ClosedPort();

        Assert.Equal(0, Check("--config", Config(ntfy.Url), "--bridge-url", bridge.Client.BaseAddress!.ToString()));
        Assert.Contains($"bridge url {bridge.Client.BaseAddress}: answers, and /hooks/authentik asks for the source's token", _out.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, Check("--config", Config(ntfy.Url), "--bridge-url", closed.ToString()));

        var failure = Assert.Single(Failures);
        Assert.StartsWith($"FAIL bridge url {closed}: not reachable (", failure, StringComparison.Ordinal);
        Assert.Contains("Authentik will not reach it either", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANameTheBridgeDoesNotAllowAsHostIsReportedWithTheSettingToChange()
    {
        await using var ntfy = await AccessNtfy.StartAsync(Token, "bridge", writable: ["authentik", "authentik-admin"]);
        await using var bridge = await BridgeTestHost.StartAsync("""
            sources:
              authentik: { format: authentik, token: "${HOOK_TOKEN}" }
            """);
        // The same socket under a name the bridge does not allow: 127.0.0.1 written as an IPv4-mapped IPv6 address.
        var other = new UriBuilder(bridge.Client.BaseAddress!) { Host = "[::ffff:127.0.0.1]" }.Uri;

        Assert.Equal(1, Check("--config", Config(ntfy.Url), "--bridge-url", other.ToString()));

        Assert.Equal([$"FAIL bridge url {other}: POST /hooks/authentik refused the name '[::ffff:127.0.0.1]' (400): add it to server.allowed_hosts, or make it the host of server.public_url"], Failures);
    }

    /// <summary>A loopback address nothing listens on: bound, its port read, and released.</summary>
    private static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>
    /// ntfy's authorisation as the live check meets it: <c>/v1/health</c>, <c>/v1/account</c> for the token's user, and a
    /// publish that is authorised for the topic (403 without write access) before its priority is checked (400, code 40007).
    /// </summary>
    private sealed class AccessNtfy(WebApplication app, string token, string user, IReadOnlySet<string> writable) : IAsyncDisposable
    {
        public Uri Url { get; private set; } = null!;

        public ConcurrentBag<JsonElement> Published { get; } = [];

        public static async Task<AccessNtfy> StartAsync(string token, string user, string[] writable)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var fake = new AccessNtfy(app, token, user, writable.ToHashSet(StringComparer.Ordinal));
            app.Map("/{**path}", (Delegate)fake.HandleAsync);
            await app.StartAsync();
            fake.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
            return fake;
        }

        private async Task<IResult> HandleAsync(HttpContext http)
        {
            var path = http.Request.Path.Value ?? "/";
            if (path == "/v1/health") return Results.Json(new { healthy = true });
            var authorization = http.Request.Headers.Authorization.ToString();
            if (authorization.Length > 0 && authorization != $"Bearer {token}") return Error(401, 40101, "unauthorized");
            if (path == "/v1/account") return Results.Json(new { username = authorization.Length > 0 ? user : "*", role = "user" });

            string topic;
            JsonElement? message = null;
            if (path == "/" && http.Request.Method == "POST")
            {
                using var document = await JsonDocument.ParseAsync(http.Request.Body);
                message = document.RootElement.Clone();
                topic = message.Value.GetProperty("topic").GetString()!;
            }
            else topic = path.TrimStart('/');

            if (authorization.Length == 0 || !writable.Contains(topic)) return Error(403, 40301, "forbidden");
            if (http.Request.Headers["X-Priority"] == "9") return Error(400, 40007, "invalid request: priority invalid");
            if (message is { } m) Published.Add(m);
            return Results.Json(new { id = "hwQ2YpKdmg12", @event = "message", topic });
        }

        private static IResult Error(int status, int code, string error) => Results.Json(new { code, http = status, error }, statusCode: status);

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
