using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Bridge.Configuration;
using Bridge.Delivery;
using Bridge.Events;

namespace Bridge.Authentik;

/// <summary>
/// Asks one Authentik's user API for a user's groups: by pk when the event names one
/// (<c>GET /api/v3/core/users/{pk}/?include_groups=true</c>), else by username
/// (<c>GET /api/v3/core/users/?username=…&amp;include_groups=true</c>). The token goes in <c>Authorization: Bearer</c>,
/// redirects are not followed (they could carry it elsewhere), a request takes at most the configured timeout, headers
/// and body together, and at most <see cref="MaxAnswerBytes"/> of an answer are read (<see cref="BoundedBody"/>).
/// </summary>
public sealed class AuthentikUsersClient : IDisposable
{
    /// <summary>One user with a few hundred groups and their attributes fits; a larger answer is refused unread.</summary>
    public const int MaxAnswerBytes = 256 * 1024;

    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public AuthentikUsersClient(AuthentikApiConfig api, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(api);
        Api = api;
        _time = time;
        _http = new HttpClient(BoundedHttpHandler.Create(api.Timeout))
        {
            // The per-request deadline on the bridge's clock governs (tests move it); HttpClient's own would not.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public AuthentikApiConfig Api { get; }

    /// <summary>The groups of <paramref name="user"/>: Known, Waiting (no usable answer) or Refused (401/403). Never throws but for cancellation.</summary>
    public Task<GroupLookup> GroupsAsync(EventUser user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Pk is { } pk && long.TryParse(pk, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return GetAsync($"api/v3/core/users/{pk}/?include_groups=true", json => UserGroupsJson.FromUser(json), notFound: true, ct);
        var username = user.Username ?? "";
        return GetAsync($"api/v3/core/users/?username={Uri.EscapeDataString(username)}&include_groups=true", json => UserGroupsJson.FromList(json, username), notFound: false, ct);
    }

    /// <summary>
    /// For <c>bridge check --live</c>: whether the API answers with the token and lets it view users. Null when it does;
    /// else what to fix, in one line.
    /// </summary>
    public async Task<string?> ProbeAsync(CancellationToken ct)
    {
        var users = 0;
        var answer = await GetAsync("api/v3/core/users/?page_size=1&include_groups=true", json =>
        {
            users = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("results", out var r) && r.ValueKind == JsonValueKind.Array ? r.GetArrayLength() : -1;
            return users < 0 ? new GroupLookup.Waiting("its answer is not a page of users: is the url Authentik's root (not a proxy page)?") : new GroupLookup.Known([]);
        }, notFound: false, ct);
        return answer switch
        {
            GroupLookup.Known when users == 0 => "the token sees no users: give its account the permissions authentik_core.view_user and authentik_core.view_group (docs/setup.md, group lookup)",
            GroupLookup.Known => null,
            GroupLookup.Refused refused => refused.Reason,
            GroupLookup.Waiting waiting => waiting.Reason,
            _ => "unexpected answer",
        };
    }

    private async Task<GroupLookup> GetAsync(string path, Func<JsonElement, GroupLookup> read, bool notFound, CancellationToken ct)
    {
        var url = new Uri(Api.Url, path);
        using var deadline = new CancellationTokenSource(Api.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Api.Token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var status = (int)response.StatusCode;
            var answer = await BoundedBody.ReadAsync(response, MaxAnswerBytes, Api.Timeout, _time, linked.Token);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                return new GroupLookup.Refused($"Authentik's API at {Api.Url} refused the token ({status}{Detail(answer)}): give authentik_api a valid API token of an account that may view users and groups (authentik_core.view_user, authentik_core.view_group)");
            // By pk, an unknown user (deleted since, or hidden from the token) is in no group the bridge can know of.
            if (response.StatusCode == HttpStatusCode.NotFound && notFound) return new GroupLookup.Known([]);
            if (!response.IsSuccessStatusCode) return new GroupLookup.Waiting($"Authentik's API answered {status}{Detail(answer)}");
            if (answer.Error is { } unread) return new GroupLookup.Waiting($"Authentik's answer could not be read: {unread}");
            if (answer.Larger) return new GroupLookup.Waiting($"Authentik's answer is larger than {MaxAnswerBytes} bytes and was not read: is the url Authentik's?");
            using var json = JsonDocument.Parse(answer.Bytes);
            return read(json.RootElement);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new GroupLookup.Waiting($"Authentik's API at {Api.Url} did not answer within {Api.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            return new GroupLookup.Waiting($"cannot reach Authentik's API at {Api.Url}: {e.Message}");
        }
        catch (JsonException)
        {
            return new GroupLookup.Waiting("Authentik's answer is not JSON: is the url Authentik's root (not a login page or a proxy's)?");
        }
    }

    /// <summary>DRF's <c>{"detail": "..."}</c> when the answer has one (Authentik says why it refused a token there).</summary>
    private static string Detail(BoundedAnswer answer)
    {
        try
        {
            using var json = JsonDocument.Parse(answer.Bytes);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("detail", out var d) && d.GetString() is { Length: > 0 } text
                ? $": {(text.Length > 200 ? text[..200] + "…" : text)}"
                : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    public void Dispose() => _http.Dispose();
}
