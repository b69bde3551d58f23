using System.Diagnostics;
using Jint;

namespace Bridge.Mappings;

/// <summary>
/// One deadline for a whole run (evaluating the mapping, <c>map</c>, reading its result), started once the sandbox is
/// ready. Jint's own timeout restarts at each Execute/Invoke. Wall time on purpose, like Jint's timeout: a fake
/// <see cref="TimeProvider"/> fixes what the script's clock shows, not how long it may run.
/// </summary>
internal sealed class RunDeadline : Constraint
{
    private long _deadline = long.MaxValue;

    // It only reads the clock, so Jint may check it every few statements (and after each host call).
    public override bool IsAmortizable => true;

    public void Start(TimeSpan timeout) => _deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);

    public override void Check()
    {
        if (Stopwatch.GetTimestamp() > _deadline) throw new TimeoutException("the mapping run passed its deadline");
    }

    // Execute and Invoke reset their constraints; the run's deadline stays where Start put it.
    public override void Reset()
    {
    }
}
