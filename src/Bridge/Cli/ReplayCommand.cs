using System.CommandLine;
using System.Globalization;

namespace Bridge.Cli;

/// <summary><c>bridge replay --id ID | --all-dead</c>: send dead messages again once their cause is fixed.</summary>
public static class ReplayCommand
{
    private static readonly Option<long?> Id = new("--id") { Description = "Replay this dead message (ids are in GET /api/messages?status=dead)" };
    private static readonly Option<bool> AllDead = new("--all-dead") { Description = "Replay every dead message (narrow with --destination or --rule)" };
    private static readonly Option<string?> Destination = new("--destination") { Description = "With --all-dead: only this destination's" };
    private static readonly Option<string?> Rule = new("--rule") { Description = "With --all-dead: only this rule's" };

    public static Command Create()
    {
        var command = new Command("replay", "Send dead messages again (one, or all matching) through the running bridge")
        {
            Id, AllDead, Destination, Rule, AdminClient.Url,
        };
        command.SetAction((result, ct) => RunAsync(result, Console.Out, Console.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(ParseResult result, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        var id = result.GetValue(Id);
        var all = result.GetValue(AllDead);
        if ((id is null) == !all)
        {
            errors.WriteLine("error: give either --id ID or --all-dead");
            return 1;
        }
        using var client = AdminClient.Create(result, errors);
        if (client is null) return 1;
        var path = id is { } one
            ? $"/api/messages/{one.ToString(CultureInfo.InvariantCulture)}/replay"
            : "/api/messages/replay" + Query(result.GetValue(Destination), result.GetValue(Rule));
        if (await AdminClient.SendAsync(client, HttpMethod.Post, path, errors, ct) is not { } answer) return 1;
        var count = answer.GetProperty("replayed").GetInt32();
        output.WriteLine($"replayed {count} message{(count == 1 ? "" : "s")}; `bridge status` shows how delivery goes");
        return 0;
    }

    private static string Query(string? destination, string? rule)
    {
        var parts = new List<string>();
        if (destination is not null) parts.Add("destination=" + Uri.EscapeDataString(destination));
        if (rule is not null) parts.Add("rule=" + Uri.EscapeDataString(rule));
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
