using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bridge.Tests.Support;

namespace Bridge.Tests.Authentik;

/// <summary>What the group lookup tests send and read back.</summary>
internal static class GroupLookupPayloads
{
    public const string EventId = "3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e";

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
