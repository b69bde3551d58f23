using System.CommandLine;

namespace Bridge.Cli;

/// <summary>The <c>bridge</c> command line: serve (default), check, try, test, status, replay.</summary>
public static class BridgeCli
{
    public static readonly Option<string?> Config = new("--config", "-c")
    {
        Description = "The config file (default: $BRIDGE_CONFIG, else ./bridge.yaml, else the embedded sample)",
        Recursive = true,
    };

    public static RootCommand Create()
    {
        var root = new RootCommand("Bridge: Authentik (and other) webhooks → rules → JavaScript mappings → ntfy")
        {
            Config,
            ServeCommand.Urls,
            ServeCommand.Create(),
            CheckCommand.Create(),
            TryCommand.Create(),
            TestCommand.Create(),
            StatusCommand.Create(),
            ReplayCommand.Create(),
            SilenceCommand.Create(),
        };
        root.SetAction((result, ct) => ServeCommand.RunAsync(result, ct));
        return root;
    }

    public static Task<int> RunAsync(string[] args) =>
        // The web host handles SIGINT/SIGTERM itself (graceful shutdown); the parser must not race it.
        Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
}
