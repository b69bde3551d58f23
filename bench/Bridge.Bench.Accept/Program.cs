// Accepted events per second through the real host over loopback HTTP: the durable store (SQLite, WAL,
// synchronous=FULL, group commit) against the same pipeline on an in-memory SQLite database (nothing on disk).
// Not a timed test: run it on the machine you care about.
//   dotnet run -c Release --project bench/Bridge.Bench.Accept -- [seconds per run, default 5] [concurrency list, default 1,8,64]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Bridge.Configuration;
using Bridge.Hosting;
using Bridge.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var concurrencies = args.Length > 1 ? args[1].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray() : [1, 8, 64];
// Per-event log lines would measure the console, not the bridge.
Environment.SetEnvironmentVariable(BridgeLogging.LevelVariable, "Warning");

var payload = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "event-login-admin.json")))!;
Console.WriteLine($"bridge accept benchmark: {seconds} s per run, {Environment.ProcessorCount} CPUs, {RuntimeInfo()}");
Console.WriteLine("| store | concurrent senders | accepted events/s | p50 ms | p99 ms | writes per commit |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var concurrency in concurrencies)
{
    foreach (var durable in new[] { true, false })
    {
        var result = await RunAsync(durable, concurrency, TimeSpan.FromSeconds(seconds));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {(durable ? "durable (file, WAL, FULL)" : "in-memory SQLite")} | {concurrency} | {result.PerSecond:0} | {result.P50:0.00} | {result.P99:0.00} | {result.WritesPerCommit:0.0} |"));
    }
}

async Task<(double PerSecond, double P50, double P99, double WritesPerCommit)> RunAsync(bool durable, int concurrency, TimeSpan duration)
{
    var directory = Directory.CreateTempSubdirectory("bridge-bench-").FullName;
    try
    {
        var mappings = Path.Combine(AppContext.BaseDirectory, "mappings");
        var yaml = $"""
            mappings_dir: {mappings}
            storage: {(durable ? "{ path: data/bridge.db }" : "{ path: \":memory:\" }")}
            destinations: {"{ rehearsal: {} }"}
            sources: {"{ authentik: { token: bench-token } }"}
            rules:
              - {"{ name: admin-login, match: { action: login, group: authentik Admins }, mapping: admin-login.js, topic: gauth }"}
            """;
        var loaded = BridgeRuntime.Compile(ConfigLoader.Load(yaml, Path.Combine(directory, "bridge.yaml"), directory, new EnvInterpolator(_ => null)));
        if (loaded.Runtime is null) throw new InvalidOperationException(string.Join("\n", loaded.Errors));
        await using var app = BridgeHost.Build(loaded.Runtime, new HostSettings("http://127.0.0.1:0"));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "bench-token");

        // Warm-up: JIT, connection pool, SQLite pages.
        await LoadAsync(client, concurrency, TimeSpan.FromSeconds(1), 1_000_000);
        var store = (SqliteStore)app.Services.GetRequiredService<BridgeStore>().Engine;
        var (commitsBefore, writesBefore) = store.CommitStats;
        var clock = Stopwatch.StartNew();
        var latencies = await LoadAsync(client, concurrency, duration, 0);
        var elapsed = clock.Elapsed;
        var (commits, writes) = store.CommitStats;
        latencies.Sort();
        await app.StopAsync();
        return (latencies.Count / elapsed.TotalSeconds, Percentile(latencies, 0.5), Percentile(latencies, 0.99),
            (writes - writesBefore) / (double)Math.Max(1, commits - commitsBefore));
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}

async Task<List<double>> LoadAsync(HttpClient client, int concurrency, TimeSpan duration, int idBase)
{
    var latencies = new List<double>();
    var gate = new Lock();
    var next = idBase;
    var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        var mine = new List<double>();
        while (Stopwatch.GetTimestamp() < end)
        {
            var body = payload.DeepClone();
            body["event"]!["pk"] = Interlocked.Increment(ref next).ToString("x32", CultureInfo.InvariantCulture);
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsync("/hooks/authentik", content);
            if ((int)response.StatusCode != 202) throw new InvalidOperationException($"answer {(int)response.StatusCode}");
            mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        lock (gate) latencies.AddRange(mine);
    })));
    return latencies;
}

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

static string RuntimeInfo() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
