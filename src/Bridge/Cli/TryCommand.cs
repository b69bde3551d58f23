using System.CommandLine;
using System.Text;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Mappings;
using Bridge.Messages;
using Bridge.Rules;
using Bridge.Storage;

namespace Bridge.Cli;

/// <summary>
/// <c>bridge try</c>: show what the bridge would do with a payload — the normalised event, every rule's verdict with
/// its reason, and the exact ntfy JSON — without sending anything.
/// </summary>
public static class TryCommand
{
    private static readonly Option<string?> RuleName = new("--rule", "-r") { Description = "Run this rule's mapping (default: every rule that matches)" };
    private static readonly Option<string?> MappingFile = new("--mapping", "-m") { Description = "Run this mapping file on the payload; needs no config file" };
    private static readonly Option<string?> SourceName = new("--source", "-s") { Description = "The source the payload arrives on (default: the rule's, or the only one)" };
    private static readonly Option<string?> Topic = new("--topic") { Description = "With --mapping: the topic used when the mapping sets none", DefaultValueFactory = _ => "bridge-try" };
    private static readonly Option<SourceFormat> Format = new("--format") { Description = "With --mapping: how the payload is read, authentik or json (a generic webhook)", DefaultValueFactory = _ => SourceFormat.Authentik };
    private static readonly Option<bool> Exact = new("--exact") { Description = "Print each message's body exactly as it is POSTed to ntfy (one line), not indented" };
    private static readonly Argument<string> Payload = new("payload") { Description = "A JSON payload file, or - for standard input" };

    public static Command Create()
    {
        var command = new Command("try", "Show the normalised event, the rules' verdicts and the exact ntfy JSON for a payload; sends nothing")
        {
            RuleName, MappingFile, SourceName, Topic, Format, Exact, Payload,
        };
        command.SetAction(result => Run(result, Console.Out, Console.Error));
        return command;
    }

    public static int Run(ParseResult result, TextWriter output, TextWriter errors)
    {
        var mappingFile = result.GetValue(MappingFile);
        var runtime = mappingFile is null
            ? RuntimeLoading.Load(result.GetValue(BridgeCli.Config), output, errors).Runtime
            : ForMappingFile(mappingFile, result.GetValue(SourceName) ?? "authentik", result.GetValue(Topic), result.GetValue(Format), errors);
        if (runtime is null) return 1;

        var ruleName = mappingFile is null ? result.GetValue(RuleName) : TryRuleName;
        var rule = ruleName is null ? null : runtime.Rules.Find(ruleName);
        if (ruleName is not null && rule is null)
        {
            errors.WriteLine($"error: no rule named '{ruleName}' (rules: {string.Join(", ", runtime.Rules.Rules.Select(r => r.Name))})");
            return 1;
        }
        var source = PickSource(runtime.Config, result.GetValue(SourceName), rule, errors);
        if (source is null) return 1;
        var payload = result.GetValue(Payload)!;
        var reading = Read(payload, source, runtime, errors);
        if (reading?.Event is not { } e) return 1;

        output.WriteLine("== Event (as rules and mappings see it; event.raw is the payload as given)");
        output.WriteLine(Encoding.UTF8.GetString(EventJson.ToUtf8(e, indented: true, includeRaw: false)));

        var verdicts = reading.Verdicts;
        output.WriteLine();
        output.WriteLine("== Rules");
        foreach (var v in verdicts) output.WriteLine(v.Matched ? $"  matched      {v.Rule}" : $"  not matched  {v.Rule}: {v.Reason}");

        var toRun = rule is not null ? [rule] : runtime.Rules.Rules.Where(r => verdicts.Any(v => v.Matched && v.Rule == r.Name)).ToList();
        if (toRun.Count == 0) output.WriteLine("\nNo rule matches, so nothing would be sent.");
        var runner = new MappingRunner(runtime.Config.MappingLimits);
        var maker = new MessageMaker(runner, Silences.MuteLinks.Preview);
        // The key serve would store the event under, so each sequence_id is the one serve would send.
        var dedupeKey = DedupeKeys.For(e, source.Format);
        var failed = false;
        foreach (var r in toRun)
        {
            var made = maker.Make(runtime, r, e, dedupeKey);
            failed |= !Print(runtime, r, made, verdicts.First(v => v.Rule == r.Name), result.GetValue(Exact), output);
            if (r.Config.Throttle is { } limit) failed |= !PrintDigest(runtime, maker, r, limit, e, dedupeKey, runner.Time.GetUtcNow(), result.GetValue(Exact), output);
        }
        return failed ? 1 : 0;
    }

    private const string TryRuleName = "try";

    private static bool Print(BridgeRuntime runtime, CompiledRule rule, MadeMessages made, RuleVerdict verdict, bool exact, TextWriter output)
    {
        var destination = runtime.Config.Destinations[rule.Config.Destination];
        output.WriteLine();
        output.WriteLine($"== Rule {rule.Name}: mapping {rule.Config.Mapping ?? "(built-in default)"} → {destination.Name} ({(destination.IsDryRun ? "dry-run" : destination.Url)})");
        if (!verdict.Matched) output.WriteLine($"   (this rule does not match the event: {verdict.Reason}; shown as if it did)");
        return PrintMade(made, exact, "nothing would be sent", output);
    }

    /// <returns>Whether the mapping ran without errors.</returns>
    private static bool PrintMade(MadeMessages made, bool exact, string whenDropped, TextWriter output)
    {
        foreach (var line in made.Logs) output.WriteLine($"   console: {line}");
        foreach (var error in made.Errors) output.WriteLine($"   error: {error}");
        if (made.Dropped) output.WriteLine($"   the mapping returned null: {whenDropped}");
        foreach (var message in made.Messages)
            output.WriteLine(Encoding.UTF8.GetString(exact ? message.Body : NtfyMessageJson.ToUtf8(message.Message, indented: true)));
        return made.Errors.Count == 0;
    }

    /// <summary>
    /// A throttled rule's digest, as <c>serve</c> makes it when a period ends that held this event after <c>max</c> passed:
    /// the <c>ctx.throttle</c> the mapping gets, then what it makes of it.
    /// </summary>
    private static bool PrintDigest(BridgeRuntime runtime, MessageMaker maker, CompiledRule rule, ThrottleConfig limit, BridgeEvent e, string dedupeKey,
        DateTimeOffset now, bool exact, TextWriter output)
    {
        var view = Throttles.ThrottleView.OneHeld(rule.Name, limit, e, now);
        output.WriteLine();
        output.WriteLine($"== Rule {rule.Name}: its digest, when a period ends that held this event after {limit.Max} passed (ctx.throttle)");
        output.WriteLine(JsonBytes.WriteText(view.ToJson(), static (w, json) => json.WriteTo(w), new System.Text.Json.JsonWriterOptions { Indented = true }));
        return PrintMade(maker.Make(runtime, rule, e, $"{dedupeKey}/digest", throttle: view), exact, "no digest would be sent", output);
    }

    private static BridgeRuntime? ForMappingFile(string file, string sourceName, string? topic, SourceFormat format, TextWriter errors)
    {
        var full = Path.GetFullPath(file);
        var directory = Path.GetDirectoryName(full)!;
        var rule = new RuleConfig(TryRuleName, new MatchSpec(), null, Path.GetFileName(full), "dry-run", topic, false, "--mapping");
        var config = new BridgeConfig(null, directory, new ServerConfig(ServerConfig.DefaultUrls),
            new Dictionary<string, DestinationConfig> { ["dry-run"] = new("dry-run", null, null, DestinationConfig.DefaultTimeout, RetryConfig.Default) },
            new Dictionary<string, SourceConfig> { [sourceName] = new(sourceName, format, [], true, null, null) },
            [rule], directory, MappingLimitsConfig.Default);
        var result = BridgeRuntime.Compile(new ConfigLoadResult(config, [], []));
        foreach (var error in result.Errors) errors.WriteLine($"error: {error}");
        return result.Runtime;
    }

    private static SourceConfig? PickSource(BridgeConfig config, string? named, CompiledRule? rule, TextWriter errors)
    {
        var name = named
            ?? (rule?.Config.Match.Source is [var only] ? only : null)
            ?? (config.Sources.Count == 1 ? config.Sources.Keys.First() : null);
        if (name is null)
        {
            errors.WriteLine($"error: several sources are configured; say which one the payload comes from with --source ({string.Join(", ", config.Sources.Keys)})");
            return null;
        }
        if (config.Sources.TryGetValue(name, out var source)) return source;
        errors.WriteLine($"error: no source named '{name}' (sources: {string.Join(", ", config.Sources.Keys)})");
        return null;
    }

    private static EventReading? Read(string payload, SourceConfig source, BridgeRuntime runtime, TextWriter errors)
    {
        byte[] bytes;
        try
        {
            bytes = payload == "-" ? ReadStdin() : File.ReadAllBytes(payload);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"error: cannot read {payload}: {ex.Message}");
            return null;
        }
        var reading = EventReader.Read(bytes, source, runtime, TimeProvider.System.GetUtcNow(), PayloadLimits.Of(runtime.Config.Server.Limits));
        if (reading.Problem is { } problem) errors.WriteLine($"error: {payload}: {problem.Detail} (the bridge would answer {problem.Status})");
        return reading;
    }

    private static byte[] ReadStdin()
    {
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return buffer.ToArray();
    }
}
