namespace Bridge.Bench.Harness.Run;

/// <summary>Everything measured of one contender in one run; null where a phase did not apply or failed.</summary>
internal sealed class Measurements
{
    public List<TimeSpan> Starts { get; } = [];

    public double? IdleRssMb { get; set; }

    public double? AcceptedPerSecond { get; set; }

    public long Accepted { get; set; }

    /// <summary>Answers other than 202 and requests that got no answer, in the throughput phase.</summary>
    public long NotAccepted { get; set; }

    public double? DeliveredPerSecond { get; set; }

    public long Delivered { get; set; }

    /// <summary>Everything the throughput phase accepted reached the sink within the drain limit.</summary>
    public bool Drained { get; set; }

    public double? CpuMicrosPerEvent { get; set; }

    public double? PeakRssMb { get; set; }

    public long? AckP50 { get; set; }

    public long? AckP99 { get; set; }

    public long AckSent { get; set; }

    public long AckAccepted { get; set; }

    public long? SinkP50 { get; set; }

    public long? SinkP99 { get; set; }

    public long SinkSent { get; set; }

    public long SinkArrived { get; set; }

    public double? BacklogRssMb { get; set; }

    public double? BacklogPeakMb { get; set; }

    public long BacklogAccepted { get; set; }

    public List<string> Problems { get; } = [];

    public TimeSpan? MedianStart => Starts.Count == 0 ? null : Starts.Order().ElementAt(Starts.Count / 2);
}
