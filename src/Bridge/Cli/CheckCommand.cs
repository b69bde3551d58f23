using System.CommandLine;

namespace Bridge.Cli;

/// <summary><c>bridge check</c>: validate the config and compile every mapping; exit 1 with all problems listed.</summary>
public static class CheckCommand
{
    public static Command Create()
    {
        var command = new Command("check", "Validate the configuration and compile every mapping; exit 1 listing all problems");
        command.SetAction(result => Run(result, Console.Out, Console.Error));
        return command;
    }

    public static int Run(ParseResult result, TextWriter output, TextWriter errors)
    {
        var (runtime, source) = RuntimeLoading.Load(result.GetValue(BridgeCli.Config), output, errors);
        if (runtime is null) return 1;
        var c = runtime.Config;
        var mappings = c.Rules.Select(r => r.Mapping ?? "(built-in default)").Distinct().Count();
        output.WriteLine($"ok: {source.Description}");
        output.WriteLine($"  {c.Sources.Count} source(s): {string.Join(", ", c.Sources.Keys.Select(k => $"POST /hooks/{k}"))}");
        output.WriteLine($"  {c.Rules.Count} rule(s) using {mappings} mapping(s), all compiled");
        output.WriteLine($"  store: {c.Storage.Path}");
        foreach (var d in c.Destinations.Values)
            output.WriteLine($"  destination {d.Name}: {(d.IsDryRun ? "dry-run (no url)" : d.Url!.ToString())}{(d.Token is null ? "" : ", with token")}");
        return 0;
    }
}
