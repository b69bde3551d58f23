using Bridge.Bench.Harness.Baselines;
using Bridge.Bench.Harness.Load;
using Bridge.Bench.Harness.Run;

// bench/run starts this as "run"; the run starts its own copies as "parse" and "relay", the two baselines,
// so that each is a process of its own whose CPU and memory /proc can tell apart.
return args.FirstOrDefault() switch
{
    "parse" => await ParseOnlyApp.RunAsync(args[1]),
    "relay" => await RelayApp.RunAsync(args[1], new Uri(args[2])),
    "run" => await Harness.RunAsync(HarnessOptions.Parse(args[1..])),
    "cluster" => await ClusterBench.RunAsync(args[1..]),
    "sink" => await SinkAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static async Task<int> SinkAsync(int port)
{
    // Until SIGTERM (bench/profile's exit) or Ctrl+C: the host's console lifetime stops it, and this returns.
    await using var sink = await CountingSink.StartAsync(port);
    Console.WriteLine($"sink on {sink.Url}");
    await sink.WaitForShutdownAsync();
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: bridge-bench run --repo DIR --bridge PATH [--quick] [--wrk PATH] [--node-red DIR] [--markdown FILE]
               bridge-bench parse URL            (the parse-only baseline)
               bridge-bench relay URL SINK_URL   (the bare-relay baseline)
               bridge-bench cluster --repo DIR --bridge PATH [--events N] [--markdown FILE] [--kill-only]   (bench/cluster)
               bridge-bench sink PORT            (the sink alone, for bench/profile)
        Run it through bench/run, which builds everything first.
        """);
    return 2;
}
