using System.Diagnostics;
using System.Globalization;
using System.Text;
using Bridge.Bench.Harness.Load;
using Bridge.Bench.Harness.Measure;

namespace Bridge.Bench.Harness.Run;

/// <summary>
/// bench/cluster: the same backlog of admin logins posted to one bridge on SQLite, then to 1, 2 and 3 bridges sharing
/// one PostgreSQL database (each configuration on a fresh store), the load split evenly across the instances as a
/// load balancer would. Reports events accepted per second (202s) and delivered per second (at the sink, from the first
/// post to the last delivery), and the CPU the bridges and the database used, since on one machine they share its cores.
/// Then the kill phase: three bridges on a short <c>storage.lease</c>, one SIGKILLed mid-stream, and how long after the
/// kill every accepted event had been delivered (the killed instance's claims wait for their lease to lapse).
/// </summary>
internal static class ClusterBench
{
    /// <summary>Connections posting at once, in all: the same for every configuration.</summary>
    private const int Connections = 32;

    /// <summary>Bounds each configuration's run (the table's accepted column says when a loaded machine cut it short).</summary>
    private static readonly TimeSpan PostLimit = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The kill phase's <c>storage.lease</c>: short, so the phase stays short. The bridge warns that it is under twice the
    /// sample's destination timeout; the sink answers at once, so no send outlives it here.
    /// </summary>
    private static readonly TimeSpan KillLease = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The kill phase posts this long and kills at its middle: the survivors deliver their own events as they come, so
    /// what arrives last is what the killed instance had claimed, once its lease lapsed (the posting ends before that).
    /// </summary>
    private static readonly TimeSpan KillPosting = TimeSpan.FromSeconds(4);

    public static async Task<int> RunAsync(string[] args)
    {
        string Value(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        var repository = Value("--repo", ".");
        var bridge = Value("--bridge", "");
        var events = int.Parse(Value("--events", "4000"), CultureInfo.InvariantCulture);
        var markdown = Value("--markdown", "");
        var killOnly = Array.IndexOf(args, "--kill-only") >= 0;
        var scratch = Directory.CreateTempSubdirectory("bridge-cluster-bench-").FullName;
        var sample = Path.Combine(repository, "samples", "payloads", "authentik", "event-login-admin.json");
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
        var rows = new List<string>();
        var recovery = "";
        var salt = (uint)Random.Shared.Next(1, 1 << 28);
        try
        {
            await using var sink = await CountingSink.StartAsync(Contender.FreePort());
            await using var postgres = await BenchPostgres.StartAsync();
            foreach (var (store, instances) in killOnly ? [] : new[] { ("SQLite", 1), ("PostgreSQL", 1), ("PostgreSQL", 2), ("PostgreSQL", 3) })
            {
                var storage = store == "SQLite" ? null : $"{{ provider: postgres, connection_string: \"{await postgres.CreateDatabaseAsync()}\" }}";
                var folder = Path.Combine(scratch, $"{store}-{instances}");
                rows.Add(await MeasureAsync(store, instances, new BridgeContender(bridge, repository, storage), sink, sample, salt, events, folder));
                salt += 16;
            }
            var connection = await postgres.CreateDatabaseAsync();
            recovery = await RecoveryAsync(new BridgeContender(bridge, repository,
                $"{{ provider: postgres, connection_string: \"{connection}\", lease: {KillLease.TotalSeconds:0}s }}"), sink, sample, salt, events, Path.Combine(scratch, "kill"));
        }
        finally
        {
            Processes.KillAll();
        }
        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"bench/cluster, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load before {string.Join(' ', load)}, {events:N0} events per configuration, {Connections} connections in all")
            .AppendLine();
        if (rows.Count > 0)
        {
            table.AppendLine("| store | instances | accepted/s | delivered/s | accepted | delivered | CPU s (bridges) | CPU s (PostgreSQL) | CPU ms per event |")
                .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var row in rows) table.AppendLine(row);
            table.AppendLine();
        }
        table.AppendLine(recovery);
        Console.WriteLine(table);
        if (markdown.Length > 0) File.WriteAllText(markdown, table.ToString());
        Directory.Delete(scratch, recursive: true);
        return 0;
    }

    private static async Task<string> MeasureAsync(string store, int instances, BridgeContender contender, CountingSink sink, string sample, uint salt, int events,
        string folder)
    {
        Harness.Progress($"{store}, {instances} instance(s): {events:N0} events");
        var running = new List<Running>();
        try
        {
            // One at a time: the first migrates the schema, the others find it done.
            for (var i = 0; i < instances; i++) running.Add(await contender.StartAsync(sink.Url, Directory.CreateDirectory(Path.Combine(folder, $"{i}")).FullName));
            sink.Reset(events);
            var cpuBefore = Cpu(running);
            var pgBefore = PostgresCpu();
            var start = Stopwatch.GetTimestamp();
            var loads = running.Select((r, i) => new RateLoad(r.Hook, r.Bearer, new LoginPayload(sample, salt + (uint)i))).ToList();
            var results = await Task.WhenAll(loads.Select((l, i) => l.CountAsync(events / instances + (i < events % instances ? 1 : 0), Connections / instances, PostLimit)));
            var posted = Stopwatch.GetElapsedTime(start);
            var accepted = results.Sum(r => r.Accepted);
            var drain = Stopwatch.StartNew();
            // The sample's admin-login rule makes one message per event.
            while (sink.Count < accepted && drain.Elapsed < DrainLimit) await Task.Delay(20);
            var delivered = sink.Count;
            var deliveredIn = Stopwatch.GetElapsedTime(start, sink.LastAt);
            var cpu = Cpu(running) - cpuBefore;
            var pg = PostgresCpu() - pgBefore;
            foreach (var l in loads) l.Dispose();
            return string.Create(CultureInfo.InvariantCulture,
                $"| {store} | {instances} | {accepted / posted.TotalSeconds:N0} | {delivered / deliveredIn.TotalSeconds:N0} | {accepted:N0} | {delivered:N0} | {cpu:N1} | {(store == "SQLite" ? "" : pg.ToString("N1", CultureInfo.InvariantCulture))} | {(cpu + (store == "SQLite" ? 0 : pg)) * 1000 / Math.Max(1, delivered):N2} |");
        }
        finally
        {
            foreach (var r in running) await r.DisposeAsync();
        }
    }

    /// <summary>
    /// Three instances on one database with a lease of <see cref="KillLease"/>; <paramref name="events"/> posted across
    /// them for <see cref="KillPosting"/>; instance 0 SIGKILLed half-way; then the time from the kill until every accepted event
    /// had arrived at the sink (each counted once, by its <c>sequence_id</c>), next to the lease.
    /// </summary>
    private static async Task<string> RecoveryAsync(BridgeContender contender, CountingSink sink, string sample, uint salt, int events, string folder)
    {
        const int Instances = 3;
        Harness.Progress($"PostgreSQL, {Instances} instances, lease {KillLease.TotalSeconds:0} s: {events:N0} events, one instance killed mid-stream");
        var running = new List<Running>();
        try
        {
            for (var i = 0; i < Instances; i++) running.Add(await contender.StartAsync(sink.Url, Directory.CreateDirectory(Path.Combine(folder, $"{i}")).FullName));
            sink.Reset(events, distinct: true);
            var start = Stopwatch.GetTimestamp();
            var loads = running.Select((r, i) => new RateLoad(r.Hook, r.Bearer, new LoginPayload(sample, salt + (uint)i))).ToList();
            var posting = Task.WhenAll(loads.Select((l, i) => l.CountAsync(events / Instances + (i < events % Instances ? 1 : 0), Connections / Instances, KillPosting)));
            // Mid-stream: deliveries under way on every instance, and posts still coming.
            await Task.WhenAny(posting, Task.Delay(KillPosting / 2));
            running[0].Kill();
            var killedAt = Stopwatch.GetTimestamp();
            var results = await posting;
            var accepted = results.Sum(r => r.Accepted);
            var postedAfterKill = Stopwatch.GetElapsedTime(killedAt).TotalSeconds;
            // Bounded: the lease, then time for the survivors to claim and send what it freed.
            var limit = KillLease + DrainLimit;
            while (sink.Distinct < accepted && Stopwatch.GetElapsedTime(killedAt) < limit + TimeSpan.FromSeconds(postedAfterKill)) await Task.Delay(20);
            var delivered = sink.Distinct;
            var recovered = Stopwatch.GetElapsedTime(killedAt, sink.LastFirstAt).TotalSeconds;
            foreach (var l in loads) l.Dispose();
            var killedAfter = Stopwatch.GetElapsedTime(start, killedAt).TotalSeconds;
            var missing = accepted - delivered;
            return FormattableString.Invariant(
                $"Kill phase: {Instances} instances on PostgreSQL, storage.lease {KillLease.TotalSeconds:0} s, instance 0 SIGKILLed after {killedAfter:N1} s (posting went on {postedAfterKill:N1} s after it); {accepted:N0} events accepted, {delivered:N0} of them delivered (each counted once), {sink.Count - delivered:N0} notifications arrived again; the last accepted event arrived {recovered:N1} s after the kill ({recovered / KillLease.TotalSeconds:N2} × the lease){(missing > 0 ? $"; {missing:N0} were still missing when the harness stopped waiting" : "")}");
        }
        finally
        {
            foreach (var r in running) await r.DisposeAsync();
        }
    }

    private static double Cpu(IEnumerable<Running> running) => running.Sum(r => CpuSeconds(r.Pid));

    /// <summary>Every postgres process's CPU (the server forks one per connection; the bridges' pools keep theirs for the run).</summary>
    private static double PostgresCpu()
    {
        var total = 0.0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (File.Exists(Path.Combine(dir, "comm")) && SafeRead(Path.Combine(dir, "comm")) == "postgres") total += CpuSeconds(pid);
        }
        return total;
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static double CpuSeconds(int pid)
    {
        try
        {
            return ProcStat.Cpu(pid).TotalSeconds;
        }
        catch (IOException)
        {
            // Gone meanwhile.
            return 0;
        }
    }
}
