using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bridge.Tests.Support;

/// <summary>Which release's user serializer the fake answers with (authentik/core/api/users.py).</summary>
public enum AuthentikApiShape
{
    /// <summary>Up to 2025.x: <c>groups_obj</c> items are UserGroupSerializer, with <c>parent</c> and <c>parent_name</c>.</summary>
    Before2026,
    /// <summary>2026.2 and later: <c>groups_obj</c> items are PartialGroup (no parent), and the user has <c>roles</c>/<c>roles_obj</c>.</summary>
    Since2026,
}

/// <summary>
/// A stand-in for Authentik's user API on 127.0.0.1: <c>GET /api/v3/core/users/{pk}/</c> and
/// <c>GET /api/v3/core/users/?username=</c>, Bearer token checked (403 with DRF's <c>detail</c> otherwise, as Authentik
/// answers), <c>groups_obj</c> only with <c>include_groups=true</c>. Tests make it fail or answer too much.
/// </summary>
public sealed class FakeAuthentikApi : IAsyncDisposable
{
    public const string Token = "ak-api-token-6b1f0c2e9d8a7b6c5d4e3f2a1b0c9d8e";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<int, (string Username, string[] Groups)> _users = new();
    private readonly ConcurrentQueue<string> _requests = new();

    private FakeAuthentikApi(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public AuthentikApiShape Shape { get; set; } = AuthentikApiShape.Since2026;

    /// <summary>While true, every request gets 503, as from a proxy in front of a stopped Authentik.</summary>
    public bool Down { get; set; }

    /// <summary>
    /// While true, every answer is a 200 without a length that never ends: written until the client hangs up (or, bounded,
    /// <see cref="EndlessCap"/> bytes). A client that read an answer whole would never finish reading this one.
    /// </summary>
    public bool EndlessAnswer { get; set; }

    public const long EndlessCap = 1L * 1024 * 1024 * 1024;

    /// <summary>Path and query of every request, in order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public static async Task<FakeAuthentikApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeAuthentikApi(app);
        app.Map("/{**path}", fake.HandleAsync);
        await app.StartAsync();
        fake.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        return fake;
    }

    public void AddUser(int pk, string username, params string[] groups) => _users[pk] = (username, groups);

    private async Task HandleAsync(HttpContext http)
    {
        _requests.Enqueue(http.Request.Path + http.Request.QueryString);
        if (Down)
        {
            http.Response.StatusCode = 503;
            await http.Response.WriteAsync("<html><body>502 Bad Gateway</body></html>");
            return;
        }
        if (http.Request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            http.Response.StatusCode = 403;
            await http.Response.WriteAsJsonAsync(new { detail = "Token invalid/expired" });
            return;
        }
        if (EndlessAnswer)
        {
            await WriteEndlessAsync(http);
            return;
        }
        var path = http.Request.Path.Value ?? "";
        var withGroups = http.Request.Query["include_groups"] == "true";
        const string users = "/api/v3/core/users/";
        if (path == users)
        {
            var username = http.Request.Query["username"].ToString();
            var results = new JsonArray();
            foreach (var (pk, user) in _users.OrderBy(u => u.Key))
            {
                if (username.Length == 0 || user.Username == username) results.Add(User(pk, user.Username, user.Groups, withGroups));
            }
            if (int.TryParse(http.Request.Query["page_size"], out var size)) while (results.Count > size) results.RemoveAt(results.Count - 1);
            await Json(http, new JsonObject { ["pagination"] = new JsonObject { ["count"] = results.Count }, ["results"] = results });
            return;
        }
        if (path.StartsWith(users, StringComparison.Ordinal) && int.TryParse(path[users.Length..].TrimEnd('/'), out var id) && _users.TryGetValue(id, out var found))
        {
            await Json(http, User(id, found.Username, found.Groups, withGroups));
            return;
        }
        http.Response.StatusCode = 404;
        await http.Response.WriteAsJsonAsync(new { detail = "No User matches the given query." });
    }

    private JsonObject User(int pk, string username, string[] groups, bool withGroups)
    {
        var objects = new JsonArray();
        foreach (var name in groups)
        {
            var group = new JsonObject { ["pk"] = Guid.NewGuid().ToString(), ["num_pk"] = name.Length, ["name"] = name, ["is_superuser"] = name == "authentik Admins", ["attributes"] = new JsonObject() };
            if (Shape == AuthentikApiShape.Before2026)
            {
                group["parent"] = null;
                group["parent_name"] = null;
            }
            objects.Add(group);
        }
        var user = new JsonObject
        {
            ["pk"] = pk,
            ["username"] = username,
            ["name"] = username,
            ["is_active"] = true,
            ["is_superuser"] = groups.Contains("authentik Admins"),
            ["groups"] = new JsonArray([.. objects.Select(g => (JsonNode)JsonValue.Create(g!["pk"]!.GetValue<string>()))]),
            ["groups_obj"] = withGroups ? objects : null,
            ["email"] = username + "@example.com",
            ["avatar"] = "data:image/svg+xml;base64,",
            ["attributes"] = new JsonObject(),
            ["uid"] = "0f3e" + pk,
            ["path"] = "users",
            ["type"] = "internal",
        };
        if (Shape == AuthentikApiShape.Since2026)
        {
            user["roles"] = new JsonArray();
            user["roles_obj"] = new JsonArray();
        }
        return user;
    }

    private static Task Json(HttpContext http, JsonNode body)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(body.ToJsonString());
    }

    private static async Task WriteEndlessAsync(HttpContext http)
    {
        http.Response.ContentType = "application/json";
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)' ');
        chunk[0] = (byte)'[';
        long written = 0;
        try
        {
            // Kestrel may discard writes once the client is gone rather than fail them: the abort token is what tells.
            while (!http.RequestAborted.IsCancellationRequested && written < EndlessCap)
            {
                await http.Response.Body.WriteAsync(chunk, http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
                written += chunk.Length;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The client hung up, as it should.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
