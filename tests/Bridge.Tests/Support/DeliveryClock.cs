using Microsoft.Extensions.Time.Testing;
using Serilog.Events;

namespace Bridge.Tests.Support;

/// <summary>
/// Moves a bridge's fake clock the way real time would, without sleeping: only ever to the time the delivery worker
/// said it is waiting for ("Delivery idle until …", logged after its timer is set), until <c>done</c> completes.
/// </summary>
public static class DeliveryClock
{
    /// <param name="steps">At most this many idle lines are waited for (a paced storm needs a few per send).</param>
    public static async Task RunUntilAsync(BridgeTestHost bridge, FakeTimeProvider time, Task done, int steps = 1_000)
    {
        for (var i = 0; i < steps && !done.IsCompleted; i++)
        {
            // Watch for the next idle line first, then look at the latest one: a line logged in between is seen by both.
            var next = bridge.Logs.WaitForNextAsync(IsIdle);
            // Never while a send is under way: its per-attempt timeout runs on this clock too. Its end wakes the worker.
            if (LatestIdle(bridge) is { InFlight: 0, WakeAt: var wakeAt } && wakeAt > time.GetUtcNow()) time.SetUtcNow(wakeAt);
            await Task.WhenAny(done, next);
        }
        await done;
    }

    /// <summary>
    /// The same for several bridges on one fake clock (instances sharing a store): the clock moves only while every one of
    /// them is idle with no send under way, and only to the earliest time one of them waits for.
    /// </summary>
    public static async Task RunUntilAsync(IReadOnlyList<BridgeTestHost> bridges, FakeTimeProvider time, Task done, int steps = 1_000)
    {
        for (var i = 0; i < steps && !done.IsCompleted; i++)
        {
            var next = Task.WhenAny(bridges.Select(b => b.Logs.WaitForNextAsync(IsIdle)));
            var now = time.GetUtcNow();
            var latest = bridges.Select(LatestIdle).ToList();
            // A bridge whose latest wake time has come is in a round (it logs again before it waits).
            if (latest.All(l => l is { InFlight: 0 } idle && idle.WakeAt > now)) time.SetUtcNow(latest.Min(l => l!.Value.WakeAt));
            await Task.WhenAny(done, next);
        }
        await done;
    }

    /// <summary>Waits until the worker is idle with no send under way, so moving the clock cannot time one out.</summary>
    public static async Task QuietAsync(BridgeTestHost bridge)
    {
        var next = bridge.Logs.WaitForNextAsync(e => IsIdle(e) && InFlight(e) == 0);
        if (bridge.Logs.Last(IsIdle) is { } latest && InFlight(latest) == 0) return;
        await next;
    }

    /// <summary>
    /// After a destination paused: waits until it works again (a send under way when it paused got through) or until the
    /// worker is idle with no send under way and it still paused. True in the second case: then only its probe, due on the
    /// clock, resumes it, and moving the clock can time out no send (a paused destination starts none but the probe).
    /// </summary>
    public static async Task<bool> PausedAndQuietAsync(BridgeTestHost bridge)
    {
        var paused = false;
        // Called on each event in the order they were logged: what comes first after the pause decides.
        var seen = await bridge.Logs.WaitForAsync(e =>
        {
            paused |= e.MessageTemplate.Text.StartsWith("PAUSED destination", StringComparison.Ordinal);
            return paused && (IsResumed(e) || IsIdle(e) && InFlight(e) == 0);
        });
        return IsIdle(seen);
    }

    /// <summary>Moves the clock by <paramref name="by"/>, then waits until the worker has acted on it and no send is under way.</summary>
    public static async Task AdvanceAndSettleAsync(BridgeTestHost bridge, FakeTimeProvider time, TimeSpan by)
    {
        var settled = bridge.Logs.WaitForNextAsync(e => IsIdle(e) && InFlight(e) == 0);
        time.Advance(by);
        await settled;
    }

    private static int InFlight(LogEvent e) => (int)((ScalarValue)e.Properties["InFlight"]).Value!;

    private static bool IsResumed(LogEvent e) =>
        e.MessageTemplate.Text.StartsWith("Destination {Destination} works again", StringComparison.Ordinal)
        || e.MessageTemplate.Text.StartsWith("Destination {Destination} answers again", StringComparison.Ordinal);

    private static bool IsIdle(LogEvent e) => e.MessageTemplate.Text.StartsWith("Delivery idle until", StringComparison.Ordinal);

    private static (DateTimeOffset WakeAt, int InFlight)? LatestIdle(BridgeTestHost bridge) =>
        bridge.Logs.Last(IsIdle) is { } e
            ? ((DateTimeOffset)((ScalarValue)e.Properties["WakeAt"]).Value!, (int)((ScalarValue)e.Properties["InFlight"]).Value!)
            : null;
}
