namespace Bridge.Bench.Harness.Measure;

/// <summary>Percentiles of latencies in µs, where <see cref="long.MaxValue"/> stands for "never answered".</summary>
internal static class Percentiles
{
    /// <summary>The value below which <paramref name="p"/> of the samples lie (nearest rank); null when there are none.</summary>
    public static long? Of(long[] micros, double p)
    {
        if (micros.Length == 0) return null;
        var sorted = (long[])micros.Clone();
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
