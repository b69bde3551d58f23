namespace Bridge.Bench.Harness.Run;

/// <summary>
/// What bench/run passes, and how long each phase lasts in the full and the quick run. <c>--only</c> takes a
/// comma-separated list of contenders ("parse-only,bare relay,Node-RED,bridge") for a shorter run while developing.
/// </summary>
internal sealed record HarnessOptions(
    string Repository, string Bridge, string? BridgeKind, bool Quick, string? Wrk, string? NodeRed, string? NodeRedSkipped, string? Markdown, string? Commit, IReadOnlyList<string>? Only)
{
    /// <summary>The maximum-throughput run of the bridge: issue 8 asks for a minute sustained.</summary>
    public TimeSpan Sustained => TimeSpan.FromSeconds(Quick ? 8 : 60);

    /// <summary>The maximum-throughput run of the baselines and Node-RED, which hold a steady rate sooner.</summary>
    public TimeSpan Throughput => TimeSpan.FromSeconds(Quick ? 5 : 15);

    /// <summary>Each fixed-rate phase.</summary>
    public TimeSpan FixedRate => TimeSpan.FromSeconds(Quick ? 4 : 20);

    /// <summary>How long to wait for what was accepted to reach the sink, at most.</summary>
    public TimeSpan Drain => TimeSpan.FromSeconds(Quick ? 8 : 60);

    /// <summary>Events posted while the sink is down.</summary>
    public int Backlog => Quick ? 10_000 : 100_000;

    public TimeSpan BacklogLimit => TimeSpan.FromSeconds(Quick ? 20 : 120);

    public static HarnessOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        return new HarnessOptions(
            Value("--repo") ?? throw new ArgumentException("--repo DIR is required"),
            Value("--bridge") ?? throw new ArgumentException("--bridge PATH is required"),
            Value("--bridge-kind"),
            args.Contains("--quick"),
            Value("--wrk"),
            Value("--node-red"),
            Value("--node-red-skipped"),
            Value("--markdown"),
            Value("--commit"),
            Value("--only")?.Split(',', StringSplitOptions.TrimEntries));
    }
}
