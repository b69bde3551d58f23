using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bridge.Configuration;
using Bridge.Delivery;

namespace Bridge.Cli;

/// <summary>
/// What <c>bridge check --live</c> tries beyond the offline check: each destination answers, its token is accepted,
/// and it may publish to every topic a rule names; each source's Authentik API (group lookup) answers with its token;
/// and the bridge's own URL answers. Each failure is one line that
/// says what to fix. Nothing is pushed to a phone unless <c>--push</c> asks for it.
/// </summary>
internal sealed class LiveCheck(BridgeConfig config, TimeSpan timeout)
{
    /// <summary>Answers are read up to this size: enough for ntfy's JSON, and a hostile server cannot flood the check.</summary>
    private const int MaxAnswerBytes = 64 * 1024;

    /// <summary>An out-of-range priority: ntfy authorises the topic first and then refuses the message (400, code 40007), so nothing is stored.</summary>
    private const string ProbePriority = "9";

    private const int InvalidPriorityCode = 40007;

    public async Task<List<string>> RunAsync(Uri? bridgeUrl, bool push, TextWriter output, CancellationToken ct)
    {
        var failures = new List<string>();
        foreach (var destination in config.Destinations.Values)
        {
            if (destination.IsDryRun)
            {
                output.WriteLine($"  destination {destination.Name}: dry-run, nothing to try");
                continue;
            }
            using var client = new HttpClient(Handler(destination)) { Timeout = timeout };
            await CheckDestinationAsync(client, destination, push, output, failures, ct);
        }
        foreach (var source in config.Sources.Values.Where(s => s.AuthentikApi is not null).OrderBy(s => s.Name, StringComparer.Ordinal))
            await CheckAuthentikApiAsync(source, output, failures, ct);
        if (bridgeUrl is not null) await CheckBridgeAsync(bridgeUrl, output, failures, ct);
        return failures;
    }

    /// <summary>The group lookup's API answers with the token and lets it view users, as the bridge will ask it (same client, same bounds).</summary>
    private async Task CheckAuthentikApiAsync(SourceConfig source, TextWriter output, List<string> failures, CancellationToken ct)
    {
        var api = source.AuthentikApi!;
        using var client = new Authentik.AuthentikUsersClient(api with { Timeout = timeout < api.Timeout ? timeout : api.Timeout }, TimeProvider.System);
        if (await client.ProbeAsync(ct) is { } failure) failures.Add($"source {source.Name}: group lookup: {failure}");
        else output.WriteLine($"  source {source.Name}: Authentik's API at {api.Url} answers, and the token may view users and their groups");
    }

    private async Task CheckDestinationAsync(HttpClient client, DestinationConfig d, bool push, TextWriter output, List<string> failures, CancellationToken ct)
    {
        var name = $"destination {d.Name}";
        var health = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, new Uri(d.Url!, "v1/health")), ct);
        if (health.Error is { } down)
        {
            failures.Add($"{name}: {d.Url} does not answer ({down}): check its url, that ntfy runs, and that this machine can reach it");
            return;
        }
        if (health.Status != HttpStatusCode.OK)
        {
            failures.Add($"{name}: {d.Url}v1/health answered {(int)health.Status}: is the url ntfy's root (not a topic URL, not a proxy error page)?");
            return;
        }
        output.WriteLine($"  {name}: {d.Url} answers");

        if (d.Token is not null)
        {
            var account = await SendAsync(client, Authorized(HttpMethod.Get, new Uri(d.Url!, "v1/account"), d), ct);
            if (account.Status == HttpStatusCode.Unauthorized)
            {
                failures.Add($"{name}: ntfy refuses the token (401): create one with 'ntfy token add <user>' and set the destination's token");
                return;
            }
            if (account.Status == HttpStatusCode.OK && Username(account.Body) is { } user)
                output.WriteLine($"  {name}: the token is accepted, as ntfy user '{user}'");
        }

        foreach (var topic in Topics(d.Name))
        {
            var failure = push ? await PushAsync(client, d, topic, ct) : await ProbeWriteAsync(client, d, topic, ct);
            if (failure is null) output.WriteLine($"  {name}: may publish to '{topic}'{(push ? " (test message sent)" : "")}");
            else failures.Add($"{name}: {failure}");
        }
    }

    /// <summary>A publish ntfy authorises and then refuses: the answer tells whether the token may write, and no message is made.</summary>
    private static async Task<string?> ProbeWriteAsync(HttpClient client, DestinationConfig d, string topic, CancellationToken ct)
    {
        var request = Authorized(HttpMethod.Put, new Uri(d.Url!, Uri.EscapeDataString(topic)), d);
        request.Headers.TryAddWithoutValidation("X-Priority", ProbePriority);
        request.Content = new ByteArrayContent([]);
        var answer = await SendAsync(client, request, ct);
        return answer switch
        {
            { Error: { } error } => $"publishing to '{topic}' failed ({error})",
            { Status: HttpStatusCode.BadRequest } when Code(answer.Body) == InvalidPriorityCode => null,
            { Status: HttpStatusCode.OK } => $"ntfy published the probe to '{topic}' instead of refusing its priority: an unusual server; try 'bridge check --live --push'",
            _ => Refusal(d, topic, answer),
        };
    }

    private static async Task<string?> PushAsync(HttpClient client, DestinationConfig d, string topic, CancellationToken ct)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject { ["topic"] = topic, ["message"] = "bridge check --live: this destination works", ["priority"] = 1 }.ToJsonString());
        var request = Authorized(HttpMethod.Post, d.Url!, d);
        request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        var answer = await SendAsync(client, request, ct);
        return answer switch
        {
            { Error: { } error } => $"publishing to '{topic}' failed ({error})",
            { Status: HttpStatusCode.OK } => null,
            _ => Refusal(d, topic, answer),
        };
    }

    private static string Refusal(DestinationConfig d, string topic, Answer answer) => answer.Status switch
    {
        HttpStatusCode.Unauthorized => $"ntfy refuses the token (401) for '{topic}': create one with 'ntfy token add <user>'",
        HttpStatusCode.Forbidden when d.Token is null => $"'{topic}' needs a token (403): give the destination a token of a user with write access",
        HttpStatusCode.Forbidden => $"the token may not publish to '{topic}' (403): grant it with 'ntfy access <user> {topic} write-only'",
        HttpStatusCode.TooManyRequests => $"ntfy rate-limits this machine (429, code {Code(answer.Body)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}): exempt the bridge (docs/setup.md, pacing) or wait",
        _ => $"publishing to '{topic}' answered {(int)answer.Status}: {Error(answer.Body) ?? "no ntfy error text"}",
    };

    /// <summary>Connections as delivery makes them: the destination's TLS trust (<c>ca_file</c>), and no redirect that could carry the token elsewhere.</summary>
    private static SocketsHttpHandler Handler(DestinationConfig d) =>
        new() { AllowAutoRedirect = false, ConnectTimeout = d.Timeout, SslOptions = DestinationTls.ClientOptions(d) };

    private async Task CheckBridgeAsync(Uri bridgeUrl, TextWriter output, List<string> failures, CancellationToken ct)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = timeout };
        var answer = await SendAsync(client, new HttpRequestMessage(HttpMethod.Get, new Uri(bridgeUrl, "/healthz")), ct);
        if (answer.Error is { } error)
            failures.Add($"bridge url {bridgeUrl}: not reachable ({error}): Authentik will not reach it either; check the address, the port and the networks (docs/setup.md, 1.5)");
        else if (answer.Status != HttpStatusCode.OK)
            failures.Add($"bridge url {bridgeUrl}: /healthz answered {(int)answer.Status}: is this the bridge (not a proxy page), and is its store healthy (bridge status)?");
        else
            await CheckHookAsync(client, bridgeUrl, output, failures, ct);
    }

    /// <summary>
    /// A hook POST without credentials, as Authentik would address it: 401 means the name got through the <c>Host</c>
    /// check (which <c>/healthz</c> skips) to a configured source. Nothing is accepted.
    /// </summary>
    private async Task CheckHookAsync(HttpClient client, Uri bridgeUrl, TextWriter output, List<string> failures, CancellationToken ct)
    {
        var source = config.Sources.Keys.Order(StringComparer.Ordinal).FirstOrDefault();
        if (source is null) return;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(bridgeUrl, $"/hooks/{Uri.EscapeDataString(source)}"))
        {
            Content = new ByteArrayContent("{}"u8.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        var answer = await SendAsync(client, request, ct);
        var hook = $"bridge url {bridgeUrl}: POST /hooks/{source}";
        switch (answer.Status)
        {
            case HttpStatusCode.Unauthorized:
                output.WriteLine($"  bridge url {bridgeUrl}: answers, and /hooks/{source} asks for the source's token");
                break;
            case HttpStatusCode.BadRequest when answer.Body.Contains("Host", StringComparison.Ordinal):
                failures.Add($"{hook} refused the name '{bridgeUrl.Host}' (400): add it to server.allowed_hosts, or make it the host of server.public_url");
                break;
            case HttpStatusCode.NotFound:
                failures.Add($"{hook} answered 404: the bridge at that address has no source '{source}'; is it running this config?");
                break;
            default:
                failures.Add($"{hook} answered {(answer.Error ?? ((int)answer.Status).ToString(System.Globalization.CultureInfo.InvariantCulture))}, not 401: is this the bridge, or a proxy in front of it?");
                break;
        }
    }

    /// <summary>The topics the rules send to on a destination (a mapping may choose others at run time; those are not known here).</summary>
    private IEnumerable<string> Topics(string destination) =>
        config.Rules.Where(r => r.Destination == destination && r.Topic is not null).Select(r => r.Topic!).Distinct(StringComparer.Ordinal);

    private static HttpRequestMessage Authorized(HttpMethod method, Uri url, DestinationConfig d)
    {
        var request = new HttpRequestMessage(method, url);
        if (d.Token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", d.Token);
        return request;
    }

    private sealed record Answer(HttpStatusCode Status, string Body, string? Error);

    private static async Task<Answer> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            using (request)
            using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct))
            {
                await using var stream = await response.Content.ReadAsStreamAsync(ct);
                var buffer = new byte[MaxAnswerBytes];
                var read = 0;
                int n;
                while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0) read += n;
                return new Answer(response.StatusCode, Encoding.UTF8.GetString(buffer, 0, read), null);
            }
        }
        catch (HttpRequestException e)
        {
            return new Answer(0, "", e.HttpRequestError == HttpRequestError.Unknown ? e.Message : $"{e.HttpRequestError}: {e.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Answer(0, "", $"no answer within {client.Timeout.TotalSeconds:0} s");
        }
    }

    private static string? Username(string json) => Field(json, "username") is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static int? Code(string json) => Field(json, "code") is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var code) ? code : null;

    private static string? Error(string json) => Field(json, "error") is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static JsonElement? Field(string json, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value) ? value.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
