using System.Globalization;
using System.Text;

namespace Bridge.Bench.Harness.Run;

/// <summary>The one table the run prints (Markdown, so that docs/performance.md can take it as it is), with each target judged.</summary>
internal static class ResultTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly string[] Columns = ["parse-only", "bare relay", "Node-RED", "bridge"];

    public static string Markdown(IReadOnlyDictionary<string, Measurements> results, HarnessOptions options, DateTime started, string[] load)
    {
        Measurements? Of(string name) => results.GetValueOrDefault(name);
        var bridge = Of("bridge") ?? new Measurements();
        var relay = Of("bare relay");
        var parse = Of("parse-only");
        var nodeRed = Of("Node-RED");
        var text = new StringBuilder();
        text.AppendLine(Invariant, $"bench/run{(options.Quick ? " --quick" : "")}, {started:yyyy-MM-dd HH:mm} UTC, {options.Commit ?? "commit unknown"}; " +
            $"{Environment.ProcessorCount} CPUs, load average {string.Join(' ', load)} at the start; bridge: {options.BridgeKind ?? options.Bridge}.");
        text.AppendLine();
        text.AppendLine("| figure | parse-only | bare relay | Node-RED | bridge | target for the bridge | verdict |");
        text.AppendLine("|---|---|---|---|---|---|---|");

        void Row(string figure, Func<Measurements, string> cell, string target = "", string verdict = "") =>
            text.AppendLine(Invariant, $"| {figure} | {string.Join(" | ", Columns.Select(c => Of(c) is { } m ? cell(m) : "—"))} | {target} | {verdict} |");
        void BridgeRow(string figure, string value, string target, string verdict) =>
            text.AppendLine(Invariant, $"| {figure} | | | | {value} | {target} | {verdict} |");

        var throughput = $"{options.Throughput.TotalSeconds:0} s; bridge {options.Sustained.TotalSeconds:0} s";
        Row($"accepted events/s (max, {throughput})", m => Number(m.AcceptedPerSecond) + Refusals(m));
        var toRelay = Ratio(bridge.AcceptedPerSecond, relay?.AcceptedPerSecond);
        BridgeRow("bridge ÷ bare relay, accepted/s", Percent(toRelay), "≥ 60 %", AtLeast(toRelay * 100, 60, "points"));
        BridgeRow("bridge ÷ parse-only, accepted/s", Percent(Ratio(bridge.AcceptedPerSecond, parse?.AcceptedPerSecond)), "", "");
        var toNodeRed = Ratio(bridge.AcceptedPerSecond, nodeRed?.AcceptedPerSecond);
        BridgeRow("bridge ÷ Node-RED, accepted/s", Times(toNodeRed), "≥ 10×", nodeRed is null ? "not measured" : AtLeast(toNodeRed, 10, "×"));
        BridgeRow("bridge ÷ Node-RED, delivered/s", Times(Ratio(bridge.DeliveredPerSecond, nodeRed?.DeliveredPerSecond)), "", "");
        Row("delivered events/s (same run, until the sink has them all)", Delivered,
            $"≥ 10,000 for {options.Sustained.TotalSeconds:0} s, none lost",
            bridge.DeliveredPerSecond is null ? "not measured" : !bridge.Drained ? $"missed: {bridge.Delivered:N0} of {bridge.Accepted:N0} delivered within {options.Drain.TotalSeconds:0} s after the load; " + AtLeast(bridge.DeliveredPerSecond, 10_000, "/s") : AtLeast(bridge.DeliveredPerSecond, 10_000, "/s"));
        Row("ack latency p50 / p99 at 2,000 events/s, ms", m => m.AckSent == 0 ? "—" : $"{Ms(m.AckP50)} / {Ms(m.AckP99)}{Missing(m.AckSent, m.AckAccepted, "refused or unanswered")}",
            "p99 ≤ 5 ms", AtMost(Millis(bridge.AckP99), 5, "ms"));
        Row("event→sink latency p50 / p99 at 1,000 events/s, ms", m => m.SinkSent == 0 ? "—" : $"{Ms(m.SinkP50)} / {Ms(m.SinkP99)}{Missing(m.SinkSent, m.SinkArrived, $"not arrived within {options.Drain.TotalSeconds:0} s")}",
            "p99 ≤ 50 ms", AtMost(Millis(bridge.SinkP99), 50, "ms"));
        Row("CPU µs per event (utime+stime ÷ accepted, throughput run)", m => Number(m.CpuMicrosPerEvent) + (m.Delivered < m.Accepted && m.DeliveredPerSecond is not null ? " (not all delivered: more in truth)" : ""),
            "≤ 100 µs", bridge.Delivered < bridge.Accepted ? "missed or unknown: not all delivered; " + AtMost(bridge.CpuMicrosPerEvent, 100, "µs") : AtMost(bridge.CpuMicrosPerEvent, 100, "µs"));
        Row("RSS idle, MB", m => Number(m.IdleRssMb), "≤ 70 MB", AtMost(bridge.IdleRssMb, 70, "MB"));
        Row("peak RSS (VmHWM) in the throughput run, MB", m => Number(m.PeakRssMb), "≤ 120 MB", AtMost(bridge.PeakRssMb, 120, "MB"));
        BridgeRow($"RSS with {bridge.BacklogAccepted:N0} events waiting (sink down): now / peak, MB", $"{Number(bridge.BacklogRssMb)} / {Number(bridge.BacklogPeakMb)}",
            $"≤ 150 MB with {options.Backlog:N0} waiting", bridge.BacklogAccepted < options.Backlog && bridge.BacklogPeakMb is not null
                ? $"only {bridge.BacklogAccepted:N0} accepted within {options.BacklogLimit.TotalSeconds:0} s; " + AtMost(bridge.BacklogPeakMb, 150, "MB")
                : AtMost(bridge.BacklogPeakMb, 150, "MB"));
        Row("time to ready (start → first ready answer), median of starts, ms", m => m.MedianStart is { } t ? $"{t.TotalMilliseconds:N0}" : "—",
            "≤ 1,000 ms", AtMost(bridge.MedianStart?.TotalMilliseconds, 1000, "ms"));
        text.AppendLine();
        if (options.NodeRedSkipped is not null) text.AppendLine(Invariant, $"Node-RED skipped: {options.NodeRedSkipped}.  ");
        foreach (var (name, m) in results)
            foreach (var problem in m.Problems)
                text.AppendLine(Invariant, $"{name} failed: {problem.Split('\n')[0]}  ");
        return text.ToString();
    }

    private static string Delivered(Measurements m) => m.DeliveredPerSecond is null ? "—" :
        Number(m.DeliveredPerSecond) + (m.Drained ? "" : $" ({m.Delivered:N0} of {m.Accepted:N0} arrived)");

    private static string Refusals(Measurements m) => m.NotAccepted == 0 ? "" : $" ({m.NotAccepted:N0} refused or failed)";

    private static string Missing(long sent, long arrived, string what) => arrived >= sent ? "" : $" ({sent - arrived:N0} of {sent:N0} {what})";

    private static double? Ratio(double? a, double? b) => a is null || b is null or 0 ? null : a / b;

    private static double? Millis(long? micros) => micros is null ? null : micros == long.MaxValue ? double.PositiveInfinity : micros / 1000.0;

    private static string Ms(long? micros) => Millis(micros) switch
    {
        null => "—",
        double.PositiveInfinity => "never",
        var ms => ms.Value.ToString(ms < 10 ? "0.00" : "N0", Invariant),
    };

    private static string Number(double? value) => value is null ? "—" : value.Value.ToString("N0", Invariant);

    private static string Percent(double? ratio) => ratio is null ? "—" : (ratio.Value * 100).ToString("0", Invariant) + " %";

    private static string Times(double? ratio) => ratio is null ? "—" : ratio.Value.ToString("0.0", Invariant) + "×";

    private static string AtMost(double? value, double goal, string unit) => value switch
    {
        null => "not measured",
        double.PositiveInfinity => "missed: some never arrived",
        var v when v <= goal => "met",
        var v => string.Create(Invariant, $"missed by {v - goal:N0} {unit} ({v / goal:0.0}× the target)"),
    };

    private static string AtLeast(double? value, double goal, string unit) => value switch
    {
        null => "not measured",
        double v when v >= goal => "met",
        double v => string.Create(Invariant, $"missed by {(goal - v).ToString(goal >= 100 ? "N0" : "0.#", Invariant)}{(unit == "×" ? "×" : " " + unit)} ({v / goal:P0} of the target)"),
    };
}
