using System.Text;

namespace Bridge.Bench.Harness.Run;

/// <summary>
/// The built bridge binary, durable (its SQLite file in the scratch folder), on the sample config with its rules and
/// the repository's mappings, delivering to the sink as its ntfy. Only the address, the store and two ingest limits
/// differ from samples/bridge.yaml: every request comes from 127.0.0.1, which the default 600 a minute per client
/// would refuse almost all of, and the open-loop phases may hold more than 64 requests at once while it stalls; and the
/// destination is unpaced (<c>rate: none</c>), as for an ntfy that exempts the bridge: the sink has no limit to respect.
/// </summary>
internal sealed class BridgeContender(string binary, string repository) : Contender("bridge", delivers: true)
{
    public const string HookToken = "bench-hook-token-0123456789abcdef";

    /// <summary>Top-level keys of the sample that the bench sets itself.</summary>
    private static readonly string[] Replaced = ["server:", "mappings_dir:", "storage:"];

    public override Task<Running> StartAsync(Uri sink, string scratch)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        // A folder of its own: the bridge watches the config's folder, and a log or store written there would make it
        // read an inotify event per line.
        var config = Path.Combine(Directory.CreateDirectory(Path.Combine(scratch, "config")).FullName, "bridge.yaml");
        File.WriteAllText(config, Config(url, scratch));
        var environment = new Dictionary<string, string?>
        {
            ["NTFY_URL"] = sink.ToString().TrimEnd('/'),
            ["NTFY_TOKEN"] = "tk_benchbenchbenchbenchbenchbench",
            ["BRIDGE_HOOK_TOKEN"] = HookToken,
            // What a user gets by default: the measurement is at the default log level.
            ["BRIDGE_LOG_LEVEL"] = null,
            ["BRIDGE_LOG_FORMAT"] = null,
            ["ASPNETCORE_URLS"] = null,
            ["BRIDGE_CONFIG"] = null,
        };
        return Running.StartAsync([binary, "serve", "--config", config, "--urls", url], environment, scratch, Path.Combine(scratch, "bridge.log"),
            new Uri($"{url}/hooks/authentik"), HookToken, Healthz(port));
    }

    private string Config(string url, string scratch)
    {
        var config = new StringBuilder();
        config.AppendLine("# bench/run: samples/bridge.yaml with the bench's address, store and ingest limits.");
        config.AppendLine("server:");
        config.AppendLine($"  urls: {url}");
        config.AppendLine("  limits: { per_client: none, max_connections_per_client: 1024, max_in_flight: 1024 }");
        config.AppendLine($"mappings_dir: \"{Path.Combine(repository, "mappings")}\"");
        config.AppendLine($"storage: {{ path: \"{Path.Combine(scratch, "data", "bridge.db")}\" }}");
        var skipping = false;
        foreach (var line in File.ReadLines(Path.Combine(repository, "samples", "bridge.yaml")))
        {
            var topLevel = line.Length > 0 && !char.IsWhiteSpace(line[0]);
            if (topLevel) skipping = Replaced.Any(key => line.StartsWith(key, StringComparison.Ordinal));
            if (skipping) continue;
            config.AppendLine(line);
            if (line == "  ntfy:") config.AppendLine("    rate: none");
        }
        return config.ToString();
    }
}
