using System.CommandLine;
using System.Text.Json;

namespace Bridge.Cli;

/// <summary><c>bridge status</c>: queue depth by state and each destination's health, from the running bridge.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show the running bridge's queue (events and messages by state), each destination's health and each group lookup's") { AdminClient.Url };
        command.SetAction((result, ct) => RunAsync(result, Console.Out, Console.Error, ct));
        return command;
    }

    /// <returns>0 when all is well, 2 when a destination is paused or tripped, messages are dead or a group lookup fails, 1 when the bridge cannot be asked.</returns>
    public static async Task<int> RunAsync(ParseResult result, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        using var client = AdminClient.Create(result, errors);
        if (client is null) return 1;
        if (await AdminClient.SendAsync(client, HttpMethod.Get, "/api/status", errors, ct) is not { } status) return 1;

        var messages = status.GetProperty("messages");
        output.WriteLine($"bridge at {client.BaseAddress}");
        output.WriteLine($"  events not yet processed: {status.GetProperty("unprocessed_events").GetInt32()}");
        output.WriteLine($"  messages: {Count(messages, "pending")} pending, {Count(messages, "delivered")} delivered, {Count(messages, "dead")} dead");
        var trouble = Count(messages, "dead") > 0;
        foreach (var d in status.GetProperty("destinations").EnumerateArray())
        {
            var health = d.GetProperty("health").GetString();
            var reason = d.GetProperty("reason").ValueKind == JsonValueKind.String ? $" ({d.GetProperty("reason").GetString()})" : "";
            trouble |= health != "healthy";
            output.WriteLine($"  destination {d.GetProperty("name").GetString()}: {(health == "healthy" ? health : health!.ToUpperInvariant())}{reason}; " +
                $"{d.GetProperty("pending").GetInt32()} pending, {d.GetProperty("delivered").GetInt32()} delivered, {d.GetProperty("dead").GetInt32()} dead");
            // Paced is the bridge keeping to ntfy's limit (all is well); holding is a limit reached, worth an exit code.
            if (Pacing(d) is { } pacing) output.WriteLine("    " + pacing);
            trouble |= d.TryGetProperty("pacing", out var state) && state.GetString() == "holding";
        }
        if (status.TryGetProperty("waiting_for_groups", out var waiting) && waiting.GetInt32() > 0)
            output.WriteLine($"  events waiting for their user's groups (Authentik's API): {waiting.GetInt32()}");
        if (status.TryGetProperty("group_lookup", out var lookups))
        {
            foreach (var l in lookups.EnumerateArray())
            {
                var state = l.GetProperty("state").GetString();
                var reason = l.GetProperty("reason").ValueKind == JsonValueKind.String ? $" ({l.GetProperty("reason").GetString()})" : "";
                trouble |= state != "answering";
                output.WriteLine($"  group lookup for source {l.GetProperty("source").GetString()}: {(state == "answering" ? state : state!.ToUpperInvariant())}{reason}; " +
                    $"{l.GetProperty("waiting").GetInt32()} waiting");
            }
        }
        if (Count(messages, "dead") > 0) output.WriteLine("  dead messages: GET /api/messages?status=dead; replay with `bridge replay --all-dead` once the cause is fixed");
        return trouble ? 2 : 0;
    }

    /// <summary>A line on a paced or holding destination; null for an open one.</summary>
    private static string? Pacing(JsonElement d)
    {
        if (!d.TryGetProperty("pacing", out var state)) return null;
        var rate = d.TryGetProperty("rate", out var r) && r.ValueKind == JsonValueKind.Object
            ? $"{r.GetProperty("tokens").GetInt32()} of {r.GetProperty("burst").GetInt32()} tokens left, one per {r.GetProperty("per_seconds").GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture)} s" +
              (r.GetProperty("slowed").GetBoolean() ? " (slowed: ntfy said 42901)" : "")
            : "unpaced";
        var fallback = d.TryGetProperty("fallback", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        return state.GetString() switch
        {
            "paced" => $"PACED: {d.GetProperty("pending").GetInt32()} messages wait for tokens ({rate}); none is dropped",
            "holding" => $"HOLDING until {d.GetProperty("hold_until").GetDateTimeOffset():u}: {d.GetProperty("hold_reason").GetString()}" +
                (fallback is null ? "; its messages wait, none is dropped" : $"; its waiting messages move to {fallback}"),
            _ => null,
        };
    }

    private static int Count(JsonElement messages, string status) => messages.TryGetProperty(status, out var n) ? n.GetInt32() : 0;
}
