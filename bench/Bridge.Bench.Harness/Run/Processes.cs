using System.Collections.Concurrent;
using System.Diagnostics;

namespace Bridge.Bench.Harness.Run;

/// <summary>
/// Every process the harness started, killed when it exits however it exits (bench/run also kills the harness's
/// whole process group on its way out, for a harness that is itself killed).
/// </summary>
internal static class Processes
{
    private static readonly ConcurrentDictionary<int, Process> Started = new();

    static Processes()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    public static void Track(Process process) => Started[process.Id] = process;

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        Started.TryRemove(process.Id, out _);
    }

    public static void KillAll()
    {
        foreach (var process in Started.Values) Kill(process);
    }
}
