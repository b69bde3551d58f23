using System.CommandLine;

namespace Bridge.Cli;

/// <summary><c>bridge check</c>: validate the config and compile every mapping; exit 1 with all problems listed. <c>--live</c> also tries the network.</summary>
public static class CheckCommand
{
    public static readonly Option<bool> Live = new("--live")
    {
        Description = "Also try what the config points at: each destination answers, its token is accepted and may publish to every rule's topic (nothing is pushed), and --bridge-url answers",
    };

    public static readonly Option<bool> Push = new("--push")
    {
        Description = "With --live: send a real, low-priority test message to each topic instead of the silent write probe",
    };

    public static readonly Option<string?> BridgeUrl = new("--bridge-url")
    {
        Description = "With --live: the bridge's address as Authentik will use it (e.g. http://bridge:8080); /healthz must answer and a hook POST by that name must reach the source (401 without a token)",
    };

    /// <summary>How long each live request may take; a first evening's problems are usually a wrong address, which fails fast anyway.</summary>
    private static readonly TimeSpan LiveTimeout = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var command = new Command("check", "Validate the configuration and compile every mapping; exit 1 listing all problems") { Live, Push, BridgeUrl };
        command.SetAction((result, ct) => RunAsync(result, Console.Out, Console.Error, ct));
        return command;
    }

    public static int Run(ParseResult result, TextWriter output, TextWriter errors) =>
        RunAsync(result, output, errors, CancellationToken.None).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(ParseResult result, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        var (runtime, source) = RuntimeLoading.Load(result.GetValue(BridgeCli.Config), output, errors);
        if (runtime is null) return 1;
        var c = runtime.Config;
        var mappings = c.Rules.Select(r => r.Mapping ?? "(built-in default)").Distinct().Count();
        output.WriteLine($"ok: {source.Description}");
        output.WriteLine($"  {c.Sources.Count} source(s): {string.Join(", ", c.Sources.Keys.Select(k => $"POST /hooks/{k}"))}");
        output.WriteLine($"  {c.Rules.Count} rule(s) using {mappings} mapping(s), all compiled");
        output.WriteLine($"  store: {c.Storage.Description}");
        foreach (var d in c.Destinations.Values)
            output.WriteLine($"  destination {d.Name}: {(d.IsDryRun ? "dry-run (no url)" : d.Url!.ToString())}{(d.Token is null ? "" : ", with token")}");
        if (!result.GetValue(Live)) return 0;

        Uri? bridgeUrl = null;
        if (result.GetValue(BridgeUrl) is { } text && (!Uri.TryCreate(text, UriKind.Absolute, out bridgeUrl) || bridgeUrl.Scheme is not ("http" or "https")))
        {
            errors.WriteLine($"--bridge-url {text}: not an http(s) address, e.g. http://bridge:8080");
            return 1;
        }
        output.WriteLine("live:");
        var failures = await new LiveCheck(c, LiveTimeout).RunAsync(bridgeUrl, result.GetValue(Push), output, ct);
        foreach (var failure in failures) errors.WriteLine($"FAIL {failure}");
        output.WriteLine(failures.Count == 0 ? "live: ok" : $"live: {failures.Count} problem(s)");
        return failures.Count == 0 ? 0 : 1;
    }
}
