using System.Text;
using System.Text.Json.Nodes;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Mappings;
using Bridge.Messages;
using Bridge.Storage;

namespace Bridge.MappingTests;

/// <summary>
/// Runs test cases the way the service would treat their payloads: the same body checks, event normaliser, rules,
/// sandbox and message normaliser, so a case that passes here behaves the same in production. Sends nothing.
/// </summary>
/// <param name="runtime">The compiled configuration, for cases that name a rule; null for mapping-only tests.</param>
/// <param name="mappingsDirectory">Where <c>mapping:</c> names resolve.</param>
public sealed class MappingTestRunner(BridgeRuntime? runtime, string mappingsDirectory)
{
    /// <summary>The topic a mapping-only case uses when neither the mapping nor the case sets one.</summary>
    public const string DefaultTopic = "test";

    private readonly MappingLimitsConfig _limits = runtime?.Config.MappingLimits ?? MappingLimitsConfig.Default;
    private readonly MessageMaker _maker = new(new MappingRunner(runtime?.Config.MappingLimits ?? MappingLimitsConfig.Default), Silences.MuteLinks.Preview);
    // Each file compiles once per run, however many cases use it.
    private readonly Dictionary<string, (CompiledMapping? Mapping, string? Error)> _compiled = new(StringComparer.Ordinal);

    public MappingTestResult Run(MappingTestCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var subject = c.Mapping ?? (c.Rule is not null ? $"rule {c.Rule}" : "every matching rule");
        if (c.Problems.Count > 0) return MappingTestResult.Broken(c, subject, c.Problems);
        if (c.Mapping is null && runtime is null)
        {
            return MappingTestResult.Broken(c, subject, c.Rule is null
                ? "names no mapping: add mapping: file.js (to the case or the top of the file), or give --config to run the rules"
                : $"names rule '{c.Rule}', but no configuration is loaded: give --config (or name a mapping: file.js instead)");
        }

        var rule = c.Rule is null ? null : runtime!.Rules.Find(c.Rule);
        if (c.Rule is not null && rule is null)
            return MappingTestResult.Broken(c, subject, $"no rule named '{c.Rule}' in the configuration (rules: {string.Join(", ", runtime!.Rules.Rules.Select(r => r.Name))})");
        if (rule is not null) subject = $"rule {rule.Name} ({rule.Config.Mapping ?? "built-in default mapping"})";
        if (c.Digest && rule is { Config.Throttle: null }) return MappingTestResult.Broken(c, subject, $"digest: true, but rule {rule.Name} has no throttle");

        var source = PickSource(c, rule, out var sourceProblem);
        if (source is null) return MappingTestResult.Broken(c, subject, sourceProblem!);
        var reading = Read(c, source, out var eventProblem);
        if (reading?.Event is not { } e) return MappingTestResult.Broken(c, subject, eventProblem!);

        // The key serve would store the event under, so each sequence_id is the one serve would send.
        var dedupeKey = DedupeKeys.For(e, source.Format);
        var outcomes = new List<MadeMessages>();
        var notes = new List<string>();
        if (c.Mapping is not null)
        {
            var (mapping, error) = Compile(c.Mapping);
            if (mapping is null) return MappingTestResult.Broken(c, subject, error!);
            // No rule runs it: the context is a stand-in rule's, as `bridge try --mapping` makes one.
            var standIn = new RuleConfig("test", new MatchSpec(), null, c.Mapping, "test", DefaultTopic, false, "test");
            outcomes.Add(_maker.Make(mapping, e, Adjust(MappingContext.For(standIn, source, runtime?.Config.Server.PublicUrl), c), dedupeKey));
        }
        else
        {
            var verdicts = reading.Verdicts;
            for (var i = 0; i < verdicts.Count; i++)
            {
                var r = runtime!.Rules.Rules[i];
                if (rule is not null && r != rule) continue;
                if (!verdicts[i].Matched)
                {
                    notes.Add($"rule {r.Name} did not match: {verdicts[i].Reason}");
                    continue;
                }
                var ctx = Adjust(MappingContext.For(r.Config, source, runtime.Config.Server.PublicUrl), c);
                if (!c.Digest)
                {
                    outcomes.Add(_maker.Make(runtime, r, e, dedupeKey, ctx));
                    continue;
                }
                if (r.Config.Throttle is not { } limit) return MappingTestResult.Broken(c, subject, $"digest: true, but rule {r.Name} has no throttle");
                // As serve makes it when a period ends that held this event after max passed.
                var digest = Throttles.ThrottleView.OneHeld(r.Name, limit, e, c.Now ?? TimeProvider.System.GetUtcNow());
                outcomes.Add(_maker.Make(runtime, r, e, $"{dedupeKey}/digest", ctx with { Throttle = digest }));
            }
        }

        var messages = outcomes.SelectMany(o => o.Messages).Select(m => m.Message).ToList();
        var errors = outcomes.SelectMany(o => o.Errors).Select(x => x.ToString()).ToList();
        var logs = outcomes.SelectMany(o => o.Logs).ToList();
        var mismatches = Judge(c.Expect, messages, errors, logs, nothingBecause: notes.Count > 0 && outcomes.Count == 0 ? "no rule matched (see the note)" : "the mapping returned null");
        return new MappingTestResult(c, subject, [], mismatches, messages, errors, logs, notes);
    }

    private static List<Mismatch> Judge(MappingTestExpectation expect, List<NtfyMessage> messages, List<string> errors, List<string> logs, string nothingBecause)
    {
        var found = new List<Mismatch>();
        if (expect.Error is { } wanted)
        {
            if (!errors.Any(x => x.Contains(wanted, StringComparison.Ordinal)))
                found.Add(new("error", $"an error containing \"{wanted}\"", errors.Count == 0 ? "no error" : string.Join("\n", errors)));
        }
        else
        {
            // An unexpected error is the first thing to show: it usually explains every other difference.
            foreach (var error in errors) found.Add(new("error", "no error", error));
            if (expect.Dropped && messages.Count > 0)
                found.Add(new("", "nothing sent (dropped: true)", $"{messages.Count} message{(messages.Count == 1 ? "" : "s")}"));
            // A mapping that failed sent nothing; saying so again under "result" would only repeat the error.
            if (expect.Messages is { } expected && !(errors.Count > 0 && messages.Count == 0)) found.AddRange(CompareMessages(expected, messages, nothingBecause));
        }
        foreach (var line in expect.Logs)
        {
            if (!logs.Any(l => l.Contains(line, StringComparison.Ordinal)))
                found.Add(new("logs", $"a console line containing \"{line}\"", logs.Count == 0 ? "nothing logged" : string.Join("\n", logs)));
        }
        return found;
    }

    private static List<Mismatch> CompareMessages(JsonNode expected, List<NtfyMessage> messages, string nothingBecause)
    {
        var actual = new JsonArray([.. messages.Select(m => JsonNode.Parse(NtfyMessageJson.ToUtf8(m)))]);
        if (expected is JsonArray list)
        {
            if (list.Count != actual.Count)
                return [new("", $"{list.Count} message{(list.Count == 1 ? "" : "s")}", $"{actual.Count} message{(actual.Count == 1 ? "" : "s")}")];
            return MessageExpectation.Compare(list, actual);
        }
        return actual.Count switch
        {
            0 => [new("", "a message", $"nothing: {nothingBecause}")],
            1 => MessageExpectation.Compare(expected, actual[0]),
            var n => [new("", "one message (give expect a list to check several)", $"{n} messages")],
        };
    }

    private SourceConfig? PickSource(MappingTestCase c, Rules.CompiledRule? rule, out string? problem)
    {
        problem = null;
        var configured = runtime?.Config.Sources;
        if (c.Mapping is not null)
        {
            var name = c.Source.Name ?? "authentik";
            // A configured source lends its format and base URL unless the case says otherwise.
            if (configured is not null && configured.TryGetValue(name, out var known) && c.Source.Format is null) return known;
            return new SourceConfig(name, c.Source.Format ?? SourceFormat.Authentik, [], true, c.Source.ActionField, null);
        }
        var sources = configured!;
        var chosen = c.Source.Name
            ?? (rule?.Config.Match.Source is [var only] ? only : null)
            ?? (sources.Count == 1 ? sources.Keys.First() : null);
        if (chosen is null)
        {
            problem = $"several sources are configured: say which one the payload arrives on with source: ({string.Join(", ", sources.Keys)})";
            return null;
        }
        if (sources.TryGetValue(chosen, out var source)) return source;
        problem = $"no source named '{chosen}' in the configuration (sources: {string.Join(", ", sources.Keys)})";
        return null;
    }

    /// <summary>A case may set what its mapping sees as <c>ctx</c> (<c>ctx:</c>) and the time (<c>now:</c>).</summary>
    private static MappingContext Adjust(MappingContext ctx, MappingTestCase c) => ctx with
    {
        Rule = c.Ctx.Rule ?? ctx.Rule,
        Topic = c.Ctx.Topic ?? ctx.Topic,
        Destination = c.Ctx.Destination ?? ctx.Destination,
        BaseUrl = c.Ctx.BaseUrl ?? ctx.BaseUrl,
        PublicUrl = c.Ctx.PublicUrl ?? ctx.PublicUrl,
        Now = c.Now,
    };

    private EventReading? Read(MappingTestCase c, SourceConfig source, out string? problem)
    {
        problem = null;
        byte[] bytes;
        if (c.PayloadFile is { } file)
        {
            try
            {
                bytes = File.ReadAllBytes(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problem = $"cannot read the payload {file}: {ex.Message}";
                return null;
            }
        }
        else
        {
            bytes = Encoding.UTF8.GetBytes(c.Payload?.ToJsonString() ?? "null");
        }
        var receivedAt = c.Now ?? TimeProvider.System.GetUtcNow();
        var limits = PayloadLimits.Of(runtime?.Config.Server.Limits ?? IngestLimitsConfig.Default);
        var reading = runtime is null || c.Mapping is not null
            ? EventReader.ReadEvent(bytes, source, receivedAt, limits)
            : EventReader.Read(bytes, source, runtime, receivedAt, limits);
        if (reading.Problem is { } refused) problem = $"the payload would be refused with {refused.Status}: {refused.Detail}";
        return reading;
    }

    private (CompiledMapping? Mapping, string? Error) Compile(string name)
    {
        var path = Path.GetFullPath(Path.Combine(mappingsDirectory, name));
        if (_compiled.TryGetValue(path, out var known)) return known;
        string? error;
        CompiledMapping? mapping = null;
        try
        {
            mapping = MappingCompiler.Compile(name, path, File.ReadAllText(path), _limits, out error);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            error = $"mapping file not found: {path}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read {path}: {ex.Message}";
        }
        return _compiled[path] = (mapping, error);
    }
}
