using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Bridge.Cli;

/// <summary><c>bridge silence add | list | end</c>: time-boxed silences, through the running bridge's admin API.</summary>
public static class SilenceCommand
{
    private static readonly Option<string?> Action = new("--action") { Description = "Match the event action (* wildcards)" };
    private static readonly Option<string?> User = new("--user") { Description = "Match the event user's username (* wildcards)" };
    private static readonly Option<string?> Group = new("--group") { Description = "Match one of the event user's groups" };
    private static readonly Option<string?> ClientIp = new("--client-ip") { Description = "Match the client address (an address or a CIDR range)" };
    private static readonly Option<string?> Rule = new("--rule") { Description = "Match the rule's name" };
    private static readonly Option<string?> Source = new("--source") { Description = "Match the source the event arrived on" };
    private static readonly Option<string> For = new("--for") { Description = "How long, e.g. 30m, 1h, 2d (at most 30 days)", Required = true };
    private static readonly Option<string> Comment = new("--comment") { Description = "Why, for whoever finds the silence", Required = true };
    private static readonly Argument<string> Id = new("id") { Description = "The silence to end (bridge silence list shows them)" };

    public static Command Create()
    {
        var add = new Command("add", "Silence the events these keys match for a while (they are stored; their rules send nothing)")
        {
            Action, User, Group, ClientIp, Rule, Source, For, Comment, AdminClient.Url,
        };
        add.SetAction((result, ct) => AddAsync(result, Console.Out, Console.Error, ct));
        var list = new Command("list", "List the silences in force") { AdminClient.Url };
        list.SetAction((result, ct) => ListAsync(result, Console.Out, Console.Error, ct));
        var end = new Command("end", "End a silence before its time") { Id, AdminClient.Url };
        end.SetAction((result, ct) => EndAsync(result, Console.Out, Console.Error, ct));
        return new Command("silence", "Time-boxed silences: add, list, end") { add, list, end };
    }

    public static async Task<int> AddAsync(ParseResult result, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(output);
        using var client = AdminClient.Create(result, errors);
        if (client is null) return 1;
        var body = Encoding.UTF8.GetBytes(Events.JsonBytes.WriteText(result, static (w, r) =>
        {
            w.WriteStartObject();
            w.WriteStartObject("match");
            foreach (var (key, option) in new[] { ("action", Action), ("user", User), ("group", Group), ("client_ip", ClientIp), ("rule", Rule), ("source", Source) })
            {
                if (r.GetValue(option) is { } value) w.WriteString(key, value);
            }
            w.WriteEndObject();
            w.WriteString("for", r.GetValue(For));
            w.WriteString("comment", r.GetValue(Comment));
            w.WriteEndObject();
        }));
        using var content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } };
        if (await AdminClient.SendAsync(client, HttpMethod.Post, "/api/silences", content, errors, ct) is not { } made) return 1;
        output.WriteLine($"{Describe(made)}; `bridge silence end {made.GetProperty("id").GetString()}` ends it early");
        return 0;
    }

    public static async Task<int> ListAsync(ParseResult result, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var client = AdminClient.Create(result, errors);
        if (client is null) return 1;
        if (await AdminClient.SendAsync(client, HttpMethod.Get, "/api/silences", errors, ct) is not { } answer) return 1;
        var silences = answer.GetProperty("silences");
        if (silences.GetArrayLength() == 0) output.WriteLine("no silence in force");
        foreach (var s in silences.EnumerateArray()) output.WriteLine(Describe(s));
        return 0;
    }

    public static async Task<int> EndAsync(ParseResult result, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(output);
        using var client = AdminClient.Create(result, errors);
        if (client is null) return 1;
        var id = result.GetValue(Id)!;
        if (await AdminClient.SendAsync(client, HttpMethod.Delete, "/api/silences/" + Uri.EscapeDataString(id), errors, ct) is null) return 1;
        output.WriteLine($"silence {id} ended");
        return 0;
    }

    /// <summary><c>sil_… action=login, user=bob until 2026-03-14 10:00:00Z (admin API): comment</c>.</summary>
    private static string Describe(JsonElement s)
    {
        var match = string.Join(", ", s.GetProperty("match").EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).Select(p => $"{p.Name}={p.Value.GetString()}"));
        var ends = s.GetProperty("ends_at").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return $"{s.GetProperty("id").GetString()} {match} until {ends} ({s.GetProperty("created_by").GetString()}): {s.GetProperty("comment").GetString()}";
    }
}
