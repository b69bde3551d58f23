using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Bridge.Bench.Harness.Load;

/// <summary>
/// Closed-loop maximum throughput with wrk (one thread, 32 connections, as in issue 8's first measurement) and
/// bench/load.lua. wrk is C and event-driven: on 2 cores it costs the system under test far less than a .NET client.
/// </summary>
internal static partial class Wrk
{
    public const int Connections = 32;

    public static async Task<LoadResult> RunAsync(string wrk, string script, Uri hookUrl, string? bearer, LoginPayload payload, uint salt, TimeSpan duration)
    {
        var info = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "-t1", $"-c{Connections}", $"-d{(int)duration.TotalSeconds}s", "--timeout", "5s", "-s", script, hookUrl.ToString(),
            "--", payload.Sample, salt.ToString(CultureInfo.InvariantCulture), bearer ?? "-",
        }) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {wrk}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(duration + TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException("wrk did not finish in time");
        }
        var text = await output;
        var match = Summary().Match(text);
        if (!match.Success) throw new InvalidDataException($"wrk printed no summary:\n{text}\n{await errors}");
        long Field(string name) => long.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture);
        var requests = Field("requests");
        var refused = Field("status");
        var failed = Field("connect") + Field("read") + Field("write") + Field("timeout");
        return new LoadResult(requests + failed, requests - refused, refused, failed, 0, TimeSpan.FromMicroseconds(Field("duration")), []);
    }

    [GeneratedRegex(@"WRK requests=(?<requests>\d+) duration_us=(?<duration>\d+) status=(?<status>\d+) connect=(?<connect>\d+) read=(?<read>\d+) write=(?<write>\d+) timeout=(?<timeout>\d+)")]
    private static partial Regex Summary();
}
