namespace Bridge.Dashboard;

/// <summary>
/// Tells every open live list that something arrived, so a new event shows at once rather than at the next look.
/// Each waiter holds the task of the current generation; <see cref="Set"/> completes it and starts the next one.
/// </summary>
public sealed class DashboardPulse
{
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Set"/>.</summary>
    public Task Next => Volatile.Read(ref _current).Task;

    public void Set() => Interlocked.Exchange(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
