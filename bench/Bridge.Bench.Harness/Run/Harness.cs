using System.Diagnostics;
using System.Globalization;
using Bridge.Bench.Harness.Load;
using Bridge.Bench.Harness.Measure;

namespace Bridge.Bench.Harness.Run;

/// <summary>
/// The run: every contender measured the same way, each phase on a fresh instance (so that one phase's backlog
/// never slows the next), against one in-process sink, then one table.
/// </summary>
internal static class Harness
{
    private const int LatencyRate = 1_000;
    private const int AckRate = 2_000;
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(HarnessOptions options)
    {
        var scratch = Directory.CreateTempSubdirectory("bridge-bench-").FullName;
        var started = DateTime.UtcNow;
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
        var sample = Path.Combine(options.Repository, "samples", "payloads", "authentik", "event-login-admin.json");
        var salt = (uint)Random.Shared.Next(1, 1 << 30);
        var contenders = new List<Contender>
        {
            new BaselineContender("parse-only", "parse"),
            new BaselineContender("bare relay", "relay"),
        };
        if (options.NodeRed is not null) contenders.Add(new NodeRedContender(options.NodeRed));
        contenders.Add(new BridgeContender(options.Bridge, options.Repository));
        if (options.Only is { } only) contenders.RemoveAll(c => !only.Contains(c.Name));
        var results = new Dictionary<string, Measurements>();
        try
        {
            await using var sink = await CountingSink.StartAsync(Contender.FreePort());
            foreach (var contender in contenders)
            {
                var measured = results[contender.Name] = new Measurements();
                try
                {
                    var run = new ContenderRun(contender, options, sink, new LoginPayload(sample, salt++), Directory.CreateDirectory(Path.Combine(scratch, contender.Name.Replace(' ', '-'))).FullName, measured);
                    await run.MeasureAsync();
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or HttpRequestException or InvalidDataException)
                {
                    measured.Problems.Add(e.Message);
                    Progress($"{contender.Name}: {e.Message}");
                }
            }
        }
        finally
        {
            Processes.KillAll();
        }
        var table = ResultTable.Markdown(results, options, started, load);
        Console.WriteLine(table);
        if (options.Markdown is not null)
        {
            File.WriteAllText(options.Markdown, table);
            Progress($"table written to {options.Markdown}");
        }
        var failed = results.Values.Any(r => r.Problems.Count > 0);
        if (failed) Progress($"logs kept in {scratch}");
        else Directory.Delete(scratch, recursive: true);
        return results.TryGetValue("bridge", out var bridge) && bridge.Problems.Count == 0 ? 0 : 1;
    }

    public static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

    /// <summary>The phases for one contender.</summary>
    private sealed class ContenderRun(Contender contender, HarnessOptions options, CountingSink sink, LoginPayload payload, string scratch, Measurements measured)
    {
        private int _instance;

        public async Task MeasureAsync()
        {
            if (contender.Delivers) await EventToSinkAsync();
            await AckLatencyAsync();
            await ThroughputAsync();
            if (contender is BridgeContender) await BacklogAsync();
        }

        /// <summary>Idle memory on the first start; then event→sink latency at a fixed 1,000 events/s.</summary>
        private async Task EventToSinkAsync()
        {
            await using var running = await StartAsync(sink.Url);
            await IdleAsync(running);
            using var generator = await WarmAsync(running);
            Progress($"{contender.Name}: event→sink latency at {LatencyRate:N0}/s for {options.FixedRate.TotalSeconds:0} s");
            var sent = await generator.FixedRateAsync(LatencyRate, options.FixedRate);
            await DrainAsync(sent.Accepted);
            var arrived = sink.Latencies();
            // Whatever was accepted and never arrived counts as slower than anything that did.
            var all = arrived.Concat(Enumerable.Repeat(long.MaxValue, (int)Math.Max(0, sent.Accepted - arrived.Length))).ToArray();
            (measured.SinkP50, measured.SinkP99) = (Percentiles.Of(all, 0.50), Percentiles.Of(all, 0.99));
            (measured.SinkSent, measured.SinkArrived) = (sent.Accepted, arrived.Length);
        }

        private async Task AckLatencyAsync()
        {
            await using var running = await StartAsync(sink.Url);
            if (measured.IdleRssMb is null) await IdleAsync(running);
            using var generator = await WarmAsync(running);
            Progress($"{contender.Name}: ack latency at {AckRate:N0}/s for {options.FixedRate.TotalSeconds:0} s");
            var sent = await generator.FixedRateAsync(AckRate, options.FixedRate);
            (measured.AckP50, measured.AckP99) = (Percentiles.Of(sent.AckMicros, 0.50), Percentiles.Of(sent.AckMicros, 0.99));
            (measured.AckSent, measured.AckAccepted) = (sent.Sent, sent.Accepted);
        }

        /// <summary>As many as it takes, with wrk; then, for those that deliver, until the sink has them all.</summary>
        private async Task ThroughputAsync()
        {
            await using var running = await StartAsync(sink.Url);
            using (var warm = await WarmAsync(running))
            {
                // Only the warm-up's generator is needed; wrk does the rest.
            }
            var duration = contender is BridgeContender ? options.Sustained : options.Throughput;
            Progress($"{contender.Name}: maximum throughput for {duration.TotalSeconds:0} s ({(options.Wrk is null ? "in-process generator, wrk missing" : $"wrk, 1 thread, {Wrk.Connections} connections")})");
            var cpuBefore = ProcStat.Cpu(running.Pid);
            var start = Stopwatch.GetTimestamp();
            LoadResult result;
            if (options.Wrk is { } wrk)
            {
                result = await Wrk.RunAsync(wrk, Path.Combine(options.Repository, "bench", "load.lua"), running.Hook, running.Bearer, payload, payload.WrkSalt, duration);
            }
            else
            {
                using var generator = new RateLoad(running.Hook, running.Bearer, payload);
                result = await generator.CountAsync(long.MaxValue, Wrk.Connections, duration);
            }
            measured.AcceptedPerSecond = result.AcceptedPerSecond;
            measured.Accepted = result.Accepted;
            measured.NotAccepted = result.Refused + result.Failed + result.Unanswered;
            if (contender.Delivers)
            {
                Progress($"{contender.Name}: waiting up to {options.Drain.TotalSeconds:0} s for {result.Accepted:N0} deliveries");
                measured.Drained = await DrainAsync(result.Accepted);
                measured.Delivered = sink.Count;
                var end = measured.Drained ? sink.LastAt : Stopwatch.GetTimestamp();
                measured.DeliveredPerSecond = measured.Delivered / Stopwatch.GetElapsedTime(start, end).TotalSeconds;
            }
            measured.CpuMicrosPerEvent = (ProcStat.Cpu(running.Pid) - cpuBefore).TotalMicroseconds / Math.Max(1, result.Accepted);
            measured.PeakRssMb = ProcStat.PeakRssMb(running.Pid);
        }

        /// <summary>The sink is down (nothing listens where the bridge delivers) while events pile up; then its memory.</summary>
        private async Task BacklogAsync()
        {
            var nowhere = new Uri($"http://127.0.0.1:{Contender.FreePort()}/");
            await using var running = await StartAsync(nowhere);
            Progress($"{contender.Name}: {options.Backlog:N0} events with the sink down");
            using var generator = new RateLoad(running.Hook, running.Bearer, payload);
            var sent = await generator.CountAsync(options.Backlog, Wrk.Connections, options.BacklogLimit);
            // Let what the bridge does after the last answer (mapping, storing, retry bookkeeping) settle.
            await Task.Delay(TimeSpan.FromSeconds(3));
            measured.BacklogAccepted = sent.Accepted;
            measured.BacklogRssMb = ProcStat.RssMb(running.Pid);
            measured.BacklogPeakMb = ProcStat.PeakRssMb(running.Pid);
        }

        private async Task<Running> StartAsync(Uri deliverTo)
        {
            var folder = Directory.CreateDirectory(Path.Combine(scratch, (++_instance).ToString(CultureInfo.InvariantCulture))).FullName;
            var running = await contender.StartAsync(deliverTo, folder);
            measured.Starts.Add(running.Ready);
            return running;
        }

        private async Task IdleAsync(Running running)
        {
            // What it holds once started and left alone for a moment, before any event.
            await Task.Delay(TimeSpan.FromSeconds(1));
            measured.IdleRssMb = ProcStat.RssMb(running.Pid);
        }

        /// <summary>A short run at a modest rate first, so that the JIT, the connection pools and the store's pages are warm.</summary>
        private async Task<RateLoad> WarmAsync(Running running)
        {
            var generator = new RateLoad(running.Hook, running.Bearer, payload);
            var warm = await generator.FixedRateAsync(500, TimeSpan.FromSeconds(options.Quick ? 1 : 3));
            if (contender.Delivers) await DrainAsync(warm.Accepted);
            sink.Reset(expected: (int)(AckRate * options.FixedRate.TotalSeconds));
            return generator;
        }

        /// <summary>Waits until the sink has <paramref name="expected"/> deliveries, at most the drain limit, and gives up early on no progress.</summary>
        private async Task<bool> DrainAsync(long expected)
        {
            var start = Stopwatch.GetTimestamp();
            var progressAt = start;
            var seen = -1L;
            while (Stopwatch.GetElapsedTime(start) < options.Drain)
            {
                var count = sink.Count;
                if (count >= expected) return true;
                if (count != seen) (seen, progressAt) = (count, Stopwatch.GetTimestamp());
                else if (Stopwatch.GetElapsedTime(progressAt) > StallLimit) break;
                await Task.Delay(50);
            }
            return false;
        }
    }
}
