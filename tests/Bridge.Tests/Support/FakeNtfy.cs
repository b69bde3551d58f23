using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bridge.Tests.Support;

/// <summary>One publish ntfy accepted: the JSON and the Authorization header it came with.</summary>
public sealed record PublishedMessage(JsonElement Json, string? Authorization, string Path)
{
    /// <summary>The body exactly as received.</summary>
    public byte[] Body { get; init; } = [];

    /// <summary>The id of the connection it came on: the same for sends of one client over a kept-alive connection.</summary>
    public string Connection { get; init; } = "";

    public string Topic => Json.GetProperty("topic").GetString()!;
    public string? Text(string field) => Json.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>
/// A stand-in for ntfy on 127.0.0.1 that checks what real ntfy checks (shared/docs/ntfy.md): JSON at the root,
/// the exact "Bearer" header, body size, field types, topic pattern, priority range, at most 3 actions, and answers
/// with ntfy's error JSON. Tests script failures by queueing responses to give before behaving normally, and may turn
/// on ntfy's rate limits (<see cref="EnforceLimits"/>).
/// </summary>
public sealed partial class FakeNtfy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string Body)> _scripted = new();
    private readonly Channel<PublishedMessage> _published = Channel.CreateUnbounded<PublishedMessage>();
    private readonly ConcurrentBag<PublishedMessage> _all = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _closed = new();
    private readonly ConcurrentQueue<HeldRequest> _holds = new();
    private int _requests;

    private FakeNtfy(WebApplication app, string? token)
    {
        _app = app;
        Token = token;
    }

    public string? Token { get; }

    public Uri Url { get; private set; } = null!;

    /// <summary>Every HTTP request received, including refused ones.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public IReadOnlyCollection<PublishedMessage> Published => _all;

    /// <summary>While true, every request gets 503 as from a proxy in front of a stopped ntfy.</summary>
    public bool Down { get; set; }

    /// <summary>The most requests that were being handled at once.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    private int _concurrent;
    private int _maxConcurrent;
    private TaskCompletionSource? _gate;
    private int _gateAt;

    /// <summary>
    /// Holds the coming requests until <paramref name="inFlight"/> of them are being handled at once (or 10 s passed), then
    /// lets everything through: shows that the sender really has that many on the wire, and mixes up their answers.
    /// </summary>
    public void HoldUntilConcurrent(int inFlight)
    {
        _gateAt = inFlight;
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Holds the next request unanswered until the test releases it; the requests after it are answered meanwhile (and
    /// take the scripted answers first): shows what a send still under way meets when the others' answers came back.
    /// </summary>
    public HeldRequest HoldNext()
    {
        var held = new HeldRequest();
        _holds.Enqueue(held);
        return held;
    }

    /// <param name="certificate">Serve HTTPS with this certificate (and its private key) instead of plain HTTP.</param>
    public static async Task<FakeNtfy> StartAsync(string? token = "tk_bridgetestbridgetestbridgete1", X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(certificate is null ? "http://127.0.0.1:0" : "https://127.0.0.1:0");
        if (certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration().ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
        builder.Logging.ClearProviders();
        FakeNtfy? fake = null;
        // Connection middleware ends when the connection does: how a test sees a client close its connections (disposed).
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(listen => listen.Use(next => async connection =>
        {
            try
            {
                await next(connection);
            }
            finally
            {
                fake?.Closure(connection.ConnectionId).TrySetResult();
            }
        })));
        var app = builder.Build();
        fake = new FakeNtfy(app, token);
        app.Map("/{**path}", fake.HandleAsync);
        await app.StartAsync();
        fake.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        return fake;
    }

    /// <summary>The next requests get these answers, in order, before the fake goes back to checking and accepting.</summary>
    public void FailNext(int status, int times = 1, int? code = null, string error = "scripted failure")
    {
        for (var i = 0; i < times; i++)
            _scripted.Enqueue((status, JsonSerializer.Serialize(new { code = code ?? status * 100 + 1, http = status, error })));
    }

    /// <summary>Waits until <paramref name="count"/> more messages have been accepted; fails after <paramref name="within"/>.</summary>
    public async Task<List<PublishedMessage>> WaitForMessagesAsync(int count, TimeSpan? within = null)
    {
        using var cts = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(15));
        var result = new List<PublishedMessage>();
        try
        {
            while (result.Count < count) result.Add(await _published.Reader.ReadAsync(cts.Token));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"fake ntfy got {result.Count} of {count} expected messages ({Requests} requests in all)");
        }
        return result;
    }

    /// <summary>Completes when the client closes the connection <paramref name="connection"/> came on; fails after <paramref name="within"/>.</summary>
    public Task WaitForClosedAsync(string connection, TimeSpan? within = null) => Closure(connection).Task.WaitAsync(within ?? TimeSpan.FromSeconds(15));

    private TaskCompletionSource Closure(string connection) =>
        _closed.GetOrAdd(connection, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext http)
    {
        var concurrent = Interlocked.Increment(ref _concurrent);
        try
        {
            var max = Volatile.Read(ref _maxConcurrent);
            while (concurrent > max && Interlocked.CompareExchange(ref _maxConcurrent, concurrent, max) != max) max = Volatile.Read(ref _maxConcurrent);
            if (_gate is { } gate)
            {
                if (concurrent >= _gateAt) gate.TrySetResult();
                await gate.Task.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
            if (_holds.TryDequeue(out var held)) await held.HoldAsync();
            await HandleOneAsync(http);
        }
        finally
        {
            Interlocked.Decrement(ref _concurrent);
        }
    }

    private async Task HandleOneAsync(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        if (Down)
        {
            await Error(http, 503, 50301, "service unavailable (fake ntfy is down)");
            return;
        }
        if (_scripted.TryDequeue(out var scripted))
        {
            await Reply(http, scripted.Status, scripted.Body);
            return;
        }
        if (http.Request.Method is not ("POST" or "PUT"))
        {
            await Error(http, 405, 40501, "method not allowed");
            return;
        }
        var authorization = http.Request.Headers.Authorization.ToString();
        var client = http.Connection.RemoteIpAddress;
        if (Limit(client, authorization.Length > 0) is { } limited)
        {
            await Error(http, 429, limited.Code, limited.Error);
            return;
        }
        if (Token is not null)
        {
            if (authorization.Length == 0)
            {
                await Error(http, 403, 40301, "forbidden");
                return;
            }
            // ntfy compares the "Bearer" prefix case-sensitively.
            if (authorization != "Bearer " + Token)
            {
                AuthFailed(client);
                await Error(http, 401, 40101, "unauthorized");
                return;
            }
        }
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        if (buffer.Length > 8191)
        {
            await Error(http, 413, 41303, "request entity too large");
            return;
        }
        var path = http.Request.Path.Value ?? "/";
        if (path != "/")
        {
            // Real ntfy would publish the raw JSON text as the message: the classic mistake this fake makes visible.
            await Error(http, 400, 99999, $"fake ntfy: JSON was posted to {path} instead of the server root");
            return;
        }
        var body = buffer.ToArray();
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            await Error(http, 400, 40024, "invalid request: json: cannot parse");
            return;
        }
        if (Validate(json) is { } invalid)
        {
            await Error(http, 400, invalid.Code, invalid.Error);
            return;
        }
        if (!QuotaAllows(client))
        {
            QuotaRefused();
            await Error(http, 429, 42908, "limit reached: daily message quota reached");
            return;
        }
        var published = new PublishedMessage(json, authorization, path) { Body = body, Connection = http.Connection.Id };
        _all.Add(published);
        _published.Writer.TryWrite(published);
        await Reply(http, 200, JsonSerializer.Serialize(new { id = "fake" + Requests, time = 1700000000, @event = "message", topic = published.Topic }));
    }

    private static (int Code, string Error)? Validate(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object) return (40024, "invalid request: json: not an object");
        foreach (var p in json.EnumerateObject())
        {
            var kind = p.Value.ValueKind;
            switch (p.Name)
            {
                case "topic" when kind != JsonValueKind.String || !TopicPattern().IsMatch(p.Value.GetString()!):
                    return (40009, "invalid request: topic invalid");
                case "priority" when kind != JsonValueKind.Number || p.Value.GetRawText().Contains('.', StringComparison.Ordinal):
                    return (40024, "invalid request: json: cannot unmarshal priority");
                case "priority" when p.Value.GetInt32() is < 0 or > 5:
                    return (40007, "invalid priority");
                case "tags" when kind != JsonValueKind.Array || p.Value.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String):
                    return (40024, "invalid request: json: cannot unmarshal tags");
                case "actions" when kind != JsonValueKind.Array:
                    return (40024, "invalid request: json: cannot unmarshal actions");
                case "actions" when p.Value.GetArrayLength() > 3:
                    return (40018, "invalid request: too many actions");
                case "markdown" when kind is not (JsonValueKind.True or JsonValueKind.False):
                    return (40024, "invalid request: json: cannot unmarshal markdown");
                case "message" when kind == JsonValueKind.String && Encoding.UTF8.GetByteCount(p.Value.GetString()!) >= 4096:
                    return (40014, "message too large and attachments are not allowed");
                case "title" or "message" or "click" or "attach" or "icon" or "delay" or "email" or "sequence_id" when kind != JsonValueKind.String:
                    return (40024, $"invalid request: json: cannot unmarshal {p.Name}");
            }
        }
        if (!json.TryGetProperty("topic", out _)) return (40009, "invalid request: topic invalid");
        return null;
    }

    private static Task Error(HttpContext http, int status, int code, string error) =>
        Reply(http, status, JsonSerializer.Serialize(new { code, http = status, error, link = "https://ntfy.sh/docs/publish/" }));

    private static async Task Reply(HttpContext http, int status, string body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body);
    }

    [GeneratedRegex("^[-_A-Za-z0-9]{1,64}$")]
    private static partial Regex TopicPattern();

    /// <summary>A request <see cref="HoldNext"/> keeps unanswered: <see cref="Arrived"/> once it is in, answered after <see cref="Release"/>.</summary>
    public sealed class HeldRequest
    {
        private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Arrived => _arrived.Task;

        public void Release() => _released.TrySetResult();

        internal async Task HoldAsync()
        {
            _arrived.TrySetResult();
            // Bounded, so a test that fails before releasing it does not leave the request hanging.
            await _released.Task.WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }
}
