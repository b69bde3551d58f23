using System.Diagnostics;

namespace Bridge.Bench.Harness.Run;

/// <summary>
/// One started system under test: its process (its own pid, so that /proc measures it alone), where it takes
/// hooks, and how long it took from start to its first ready answer. Disposing kills it.
/// </summary>
internal sealed class Running : IAsyncDisposable
{
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(60);
    /// <summary>sh runs the command in its own place with its output redirected; the log's path comes in $BENCH_LOG.</summary>
    private static readonly string[] Shell = ["-c", "exec \"$@\" >\"$BENCH_LOG\" 2>&1", "sh"];
    private readonly Process _process;

    private Running(Process process, Uri hook, string? bearer, TimeSpan ready, string log)
    {
        _process = process;
        Hook = hook;
        Bearer = bearer;
        Ready = ready;
        Log = log;
    }

    public int Pid => _process.Id;

    public Uri Hook { get; }

    public string? Bearer { get; }

    /// <summary>From just before the process started to its first ready answer.</summary>
    public TimeSpan Ready { get; }

    /// <summary>The file its stdout and stderr go to.</summary>
    public string Log { get; }

    /// <summary>
    /// Starts <paramref name="command"/> with its output in <paramref name="log"/> (through "sh -c exec", so the pid is
    /// the program's own, and a full disk of log lines costs it what a log file costs in production), then asks
    /// <paramref name="ready"/> every 5 ms until it says yes.
    /// </summary>
    public static async Task<Running> StartAsync(
        IReadOnlyList<string> command, IReadOnlyDictionary<string, string?> environment, string workingDirectory, string log,
        Uri hook, string? bearer, Func<HttpClient, Task<bool>> ready)
    {
        var info = new ProcessStartInfo("/bin/sh") { WorkingDirectory = workingDirectory, UseShellExecute = false };
        foreach (var arg in Shell.Concat(command)) info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment)
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        info.Environment["BENCH_LOG"] = log;
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var started = Stopwatch.GetTimestamp();
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {command[0]}");
        Processes.Track(process);
        while (Stopwatch.GetElapsedTime(started) < ReadyLimit)
        {
            if (process.HasExited) throw new InvalidOperationException($"{command[0]} exited during start-up ({process.ExitCode}); its log: {log}\n{Tail(log)}");
            try
            {
                if (await ready(probe)) return new Running(process, hook, bearer, Stopwatch.GetElapsedTime(started), log);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(5);
        }
        Processes.Kill(process);
        throw new TimeoutException($"{command[0]} was not ready within {ReadyLimit.TotalSeconds} s; its log: {log}\n{Tail(log)}");
    }

    /// <summary>SIGKILL, as a crash: no shutdown, nothing drained.</summary>
    public void Kill() => Processes.Kill(_process);

    public static string Tail(string log) => File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(20)) : "";

    public async ValueTask DisposeAsync()
    {
        Processes.Kill(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
