using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bridge.Tests.Incidents;
using Bridge.Tests.Support;

namespace Bridge.Tests.Cluster;

/// <summary>
/// Two bridge hosts on one PostgreSQL database: a silence made through one holds events on the other, and ended through
/// the other, it stops holding on the first, without a restart (each reads the shared silences again as its reader looks).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedSilenceTests(PostgresServer server)
{
    private const string Config = Bridge.Tests.Silences.SilenceTests.Config + """

        storage:
          provider: postgres
          connection_string: ${PG_CONNECTION}
          lease: 4s
        """;

    private const string ReadAgain = "Silences read again from the shared store";

    [Fact]
    public async Task ASilenceMadeOnOneBridgeHoldsOnTheOtherAndEndedThereStopsHoldingOnTheFirst()
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        var options = new TestHostOptions(Environment: new Dictionary<string, string> { ["PG_CONNECTION"] = await server.CreateDatabaseAsync() });
        await using var a = await BridgeTestHost.StartAsync(Config, ntfy, options: options);
        await using var b = await BridgeTestHost.StartAsync(Config, ntfy, options: options);

        using var made = await a.Client.PostAsync(new Uri("/api/silences", UriKind.Relative), new StringContent(
            """{"match": {"action": "login_failed"}, "for": "1h", "comment": "pen test"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var id = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await b.Logs.WaitForMessageAsync(ReadAgain, TimeSpan.FromSeconds(30));
        using var held = await b.PostHookAsync("authentik", IncidentCardTests.FailedLogin(1, "10.0.0.1"));
        var answer = await held.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(answer.GetProperty("matched").EnumerateArray());
        Assert.StartsWith($"silenced by {id}", answer.GetProperty("not_matched").GetProperty("failed-login").GetString(), StringComparison.Ordinal);

        using var ended = await b.Client.DeleteAsync(new Uri($"/api/silences/{id}", UriKind.Relative));
        ended.EnsureSuccessStatusCode();
        // a made the silence, so its first change read from the store is this end.
        await a.Logs.WaitForMessageAsync(ReadAgain, TimeSpan.FromSeconds(30));
        using var sent = await a.PostHookAsync("authentik", IncidentCardTests.FailedLogin(2, "10.0.0.2"));
        var matched = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matched");
        Assert.Equal("failed-login", Assert.Single(matched.EnumerateArray()).GetString());
        Assert.Single(await ntfy.WaitForMessagesAsync(1));
    }
}
