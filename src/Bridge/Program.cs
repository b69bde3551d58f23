return await Bridge.Cli.BridgeCli.RunAsync(args);
