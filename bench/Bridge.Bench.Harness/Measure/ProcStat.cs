using System.Globalization;

namespace Bridge.Bench.Harness.Measure;

/// <summary>CPU time and memory of a process, read from /proc as <c>ps</c> and <c>top</c> would.</summary>
internal static class ProcStat
{
    /// <summary>Clock ticks per second of /proc/PID/stat's utime and stime: USER_HZ, 100 on every Linux build that matters.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU time used so far (10 ms resolution).</summary>
    public static TimeSpan Cpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces; fields are counted after it.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>Resident set size now (VmRSS), in MB.</summary>
    public static double RssMb(int pid) => StatusKb(pid, "VmRSS:") / 1024.0;

    /// <summary>The peak resident set size since the process started (VmHWM), in MB.</summary>
    public static double PeakRssMb(int pid) => StatusKb(pid, "VmHWM:") / 1024.0;

    private static long StatusKb(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        throw new InvalidDataException($"/proc/{pid}/status has no {key}");
    }
}
