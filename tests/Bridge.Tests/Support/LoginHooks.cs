using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Bridge.Storage;

namespace Bridge.Tests.Support;

/// <summary>
/// Numbered admin-login events as Authentik posts them, for tests that post thousands to real bridge processes: event
/// <c>i</c> has its own pk, so its notification's <c>sequence_id</c> names it.
/// </summary>
public static class LoginHooks
{
    private static readonly Lazy<string> Payload = new(() => Encoding.UTF8.GetString(TestPaths.ReadAuthentikPayload("event-login-admin.json")));

    /// <summary>The <c>sequence_id</c> of event <paramref name="i"/>'s notification (rule admin-login).</summary>
    public static string SequenceId(int i) => DedupeKeys.SequenceId($"id:authentik:{i:x32}", "admin-login", 0);

    /// <returns>The status code answered (with the body unless 202), or the exception's type when there was no answer.</returns>
    public static async Task<string> TryPostAsync(HttpClient client, int i)
    {
        using var request = Request(i);
        try
        {
            using var response = await client.SendAsync(request);
            return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)
                + (response.StatusCode == HttpStatusCode.Accepted ? "" : " " + await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            // Killed mid-request: no 202, so the sender still owns the event.
            return e.GetType().Name;
        }
    }

    /// <summary>Event <paramref name="i"/> as Authentik posts it to <c>/hooks/authentik</c>, with the test's hook token.</summary>
    public static HttpRequestMessage Request(int i)
    {
        var node = JsonNode.Parse(Payload.Value)!;
        node["event"]!["pk"] = $"{i:x32}";
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/authentik") { Content = new StringContent(node.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BridgeTestHost.HookToken);
        return request;
    }
}
