using System.Net;
using Bridge.Tests.Support;

namespace Bridge.Tests.EndToEnd;

/// <summary>The real host on the PostgreSQL engine: webhooks in over a socket, ntfy messages out, the database between them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresEndToEndTests(PostgresServer server)
{
    private static string Config => EndToEndConfigs.AdminLogin + """

        storage:
          provider: postgres
          connection_string: ${PG_CONNECTION}
        """;

    private async Task<TestHostOptions> DatabaseAsync() =>
        new(Environment: new Dictionary<string, string> { ["PG_CONNECTION"] = await server.CreateDatabaseAsync() });

    [Fact]
    public async Task AWebhookIsCommittedToPostgresAndDeliveredOnceAndACopyIsADuplicate()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: await DatabaseAsync());

        using var response = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));
        using var copy = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("\"duplicate\"", await copy.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal("gauth", message.Topic);
        await bridge.Logs.WaitForMessageAsync("Delivered message");
        var stored = Assert.Single((await bridge.Store.ListMessagesAsync(new Bridge.Storage.MessageFilter(Bridge.Storage.MessageStatus.Delivered), null, 10, CancellationToken.None)).Items);
        Assert.Equal(1, stored.Attempts);
        Assert.Single(ntfy.Published);
    }

    [Fact]
    public async Task WhileTheDatabaseIsDownIngestAnswers503AndTheBridgeRecoversByItselfWhenItIsBack()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(Config, ntfy, options: await DatabaseAsync());

        await server.KillAsync();
        HttpStatusCode during;
        string health;
        try
        {
            using var refused = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));
            during = refused.StatusCode;
            using var healthz = await bridge.Client.GetAsync(new Uri("/healthz", UriKind.Relative));
            health = $"{(int)healthz.StatusCode} {await healthz.Content.ReadAsStringAsync()}";
        }
        finally
        {
            await server.StartAsync();
        }
        using var accepted = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during);
        Assert.StartsWith("503 Unhealthy", health, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Single(await ntfy.WaitForMessagesAsync(1));
    }
}
