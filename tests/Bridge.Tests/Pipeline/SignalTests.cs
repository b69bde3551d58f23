using Bridge.Pipeline;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Pipeline;

/// <summary>A wait until a time on an injected clock ends when that clock reaches it, whenever the clock moves.</summary>
public sealed class SignalTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AWaitEndsWhenTheClockReachesItsTime()
    {
        var clock = new FakeTimeProvider(Start);
        var waiting = new Signal().WaitAsync(Start + TimeSpan.FromMinutes(1), clock, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        clock.Advance(TimeSpan.FromMinutes(1));

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AClockThatMovesPastTheTimeWhileTheTimerIsArmedEndsTheWait()
    {
        // The clock jumps 5 minutes right after the wait first reads it, before it arms its timer: a timer of the
        // remaining minute armed then would fire at 6 minutes, which this clock never reaches again.
        var clock = new JumpingClock(Start, TimeSpan.FromMinutes(5));

        await new Signal().WaitAsync(Start + TimeSpan.FromMinutes(1), clock, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(clock.Jumped);
    }

    [Fact]
    public async Task ASetEndsTheWaitBeforeItsTime()
    {
        var clock = new FakeTimeProvider(Start);
        var signal = new Signal();
        var waiting = signal.WaitAsync(Start + TimeSpan.FromMinutes(1), clock, CancellationToken.None);

        signal.Set();

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Start, clock.GetUtcNow());
    }

    private sealed class JumpingClock(DateTimeOffset start, TimeSpan jump) : FakeTimeProvider(start)
    {
        public bool Jumped { get; private set; }

        public override DateTimeOffset GetUtcNow()
        {
            var now = base.GetUtcNow();
            if (!Jumped)
            {
                Jumped = true;
                Advance(jump);
            }
            return now;
        }
    }
}
