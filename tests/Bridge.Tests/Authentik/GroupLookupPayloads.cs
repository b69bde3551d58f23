using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bridge.Tests.Support;

namespace Bridge.Tests.Authentik;

/// <summary>What the group lookup tests send and read back.</summary>
internal static class GroupLookupPayloads
{
    public const string EventId = "3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e";

    /// <summary>Where the fake clocks of these tests start.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The mapping that prints the user's groups, so a test sees what mappings got.</summary>
    public static readonly IReadOnlyDictionary<string, string> GroupsMapping = new Dictionary<string, string>
    {
        ["groups.js"] = "function map(event) { return { message: event.user.username + ' in ' + event.user.groups.join(', ') }; }",
    };

    /// <summary>
    /// Admin logins and failed logins on an admin account, both matched by group, to the topic <c>gauth</c>; with
    /// <paramref name="groupsMapping"/> their message is <see cref="GroupsMapping"/>'s.
    /// </summary>
    public static string Config(Uri api, string token = FakeAuthentikApi.Token, bool groupsMapping = false) => $$"""
        destinations:
          ntfy:
            url: ${NTFY_URL}
            token: ${NTFY_TOKEN}
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
            authentik_api: { url: "{{api}}", token: "{{token}}" }
        rules:
          - name: admin-login
            match: { action: login, group: authentik Admins }
            {{(groupsMapping ? "mapping: groups.js" : "")}}
            topic: gauth
          - name: admin-failed-login
            match: { action: login_failed, group: authentik Admins }
            {{(groupsMapping ? "mapping: groups.js" : "")}}
            topic: gauth
        """;

    /// <summary>The admin login fixture as Authentik's default body would leave it: a user with a pk (7, alice.admin), and no groups.</summary>
    public static byte[] LoginWithoutGroups(string eventPk = EventId)
    {
        var body = JsonNode.Parse(TestPaths.ReadAuthentikPayload("event-login-admin.json"))!;
        body["event"]!["user"]!.AsObject().Remove("groups");
        body["event"]!["pk"] = eventPk;
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    /// <summary>A fake Authentik API that knows alice.admin (pk 7) in <c>authentik Admins</c> and <c>ops</c>, and bob (pk 8) in <c>staff</c>.</summary>
    public static async Task<FakeAuthentikApi> ApiWithAliceAsync(AuthentikApiShape shape = AuthentikApiShape.Since2026)
    {
        var api = await FakeAuthentikApi.StartAsync();
        api.Shape = shape;
        api.AddUser(7, "alice.admin", "authentik Admins", "ops");
        api.AddUser(8, "bob", "staff");
        return api;
    }

    public static async Task<JsonElement> GetJsonAsync(BridgeTestHost bridge, string path) =>
        JsonDocument.Parse(await bridge.Client.GetStringAsync(path)).RootElement.Clone();
}
