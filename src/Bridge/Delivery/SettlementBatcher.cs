using System.Threading.Channels;
using Bridge.Storage;

namespace Bridge.Delivery;

/// <summary>
/// Records finished attempts in batches: whatever attempts finished while the last batch was being committed go into
/// the next, so one commit covers many attempts under load and a single attempt waits for no one when idle.
/// </summary>
internal sealed class SettlementBatcher : IAsyncDisposable
{
    /// <summary>Bounds one batch, so one commit (and its waiters) cannot be made arbitrarily late.</summary>
    public const int MaxBatch = 512;

    private readonly IOutbox _outbox;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public SettlementBatcher(IOutbox outbox)
    {
        _outbox = outbox;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Completes once the attempt is committed (or failed with the store's reason).</summary>
    public Task SettleAsync(Settlement settlement)
    {
        var pending = new Pending(settlement);
        if (!_queue.Writer.TryWrite(pending)) return Task.FromException(new StoreUnavailableException("delivery has stopped"));
        return pending.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        var settlements = new List<Settlement>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            settlements.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
                settlements.Add(next.Settlement);
            }
            try
            {
                // Settled after the sends: no send may be cut short by shutdown, and this commit must not be either.
                await _outbox.SettleAsync(settlements, CancellationToken.None);
                foreach (var p in batch) p.Done.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Done.TrySetException(e);
            }
        }
    }

    private sealed class Pending(Settlement settlement)
    {
        public Settlement Settlement { get; } = settlement;

        // Continuations run elsewhere, so a sender's code never runs on (and stalls) this loop.
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
