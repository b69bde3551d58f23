using System.Diagnostics;
using System.Net.Http.Headers;

namespace Bridge.Bench.Harness.Load;

/// <summary>What a load run saw: answers by kind and, for the fixed rate, the ack latencies in µs.</summary>
internal sealed record LoadResult(long Sent, long Accepted, long Refused, long Failed, long Unanswered, TimeSpan Elapsed, long[] AckMicros)
{
    public double AcceptedPerSecond => Accepted / Elapsed.TotalSeconds;
}

/// <summary>
/// An open-loop generator: request i is due at start + i / rate whatever the answers before it did, and its ack
/// latency counts from when it was due, so a stalled server shows up in the tail instead of slowing the
/// generator down (no coordinated omission). Also a closed loop of N requests for the backlog.
/// </summary>
internal sealed class RateLoad(Uri hookUrl, string? bearer, LoginPayload payload) : IDisposable
{
    /// <summary>Requests still unanswered this long after the last was sent are counted as unanswered.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private readonly HttpClient _client = new(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private long _next;

    public async Task<LoadResult> FixedRateAsync(int perSecond, TimeSpan duration)
    {
        var total = (long)(perSecond * duration.TotalSeconds);
        var acks = new long[total];
        Array.Fill(acks, long.MaxValue);
        var counts = new Counts();
        var inFlight = new List<Task>((int)total);
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = Stopwatch.Frequency / (double)perSecond;
        long sent = 0;
        // A dedicated thread paces the sends: the thread pool's timers are coarser and compete with the answers.
        await Task.Factory.StartNew(() =>
        {
            while (sent < total)
            {
                var due = (long)((Stopwatch.GetTimestamp() - start) / ticksPerRequest) + 1;
                for (; sent < Math.Min(due, total); sent++)
                {
                    var scheduled = start + (long)(sent * ticksPerRequest);
                    var slot = sent;
                    inFlight.Add(Task.Run(() => SendAsync(scheduled, counts, latency => acks[slot] = latency)));
                }
                if (Stopwatch.GetElapsedTime(start) > duration + duration) break;
                Thread.Sleep(1);
            }
        }, TaskCreationOptions.LongRunning);
        await Task.WhenAny(Task.WhenAll(inFlight), Task.Delay(Grace));
        var elapsed = Stopwatch.GetElapsedTime(start);
        return counts.Result(sent, elapsed, acks);
    }

    public async Task<LoadResult> CountAsync(long count, int concurrency, TimeSpan limit)
    {
        var counts = new Counts();
        var start = Stopwatch.GetTimestamp();
        long issued = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetElapsedTime(start) < limit && Interlocked.Increment(ref issued) <= count)
                await SendAsync(Stopwatch.GetTimestamp(), counts, _ => { });
        })));
        return counts.Result(Math.Min(count, Interlocked.Read(ref issued)), Stopwatch.GetElapsedTime(start), []);
    }

    private async Task SendAsync(long scheduled, Counts counts, Action<long> ack)
    {
        var n = Interlocked.Increment(ref _next);
        using var request = new HttpRequestMessage(HttpMethod.Post, hookUrl) { Content = new ByteArrayContent(payload.Body(n, scheduled)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        try
        {
            using var response = await _client.SendAsync(request);
            await response.Content.LoadIntoBufferAsync();
            Interlocked.Increment(ref counts.Answered);
            if ((int)response.StatusCode == 202)
            {
                Interlocked.Increment(ref counts.Accepted);
                ack((long)Stopwatch.GetElapsedTime(scheduled).TotalMicroseconds);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref counts.Failed);
        }
    }

    public void Dispose() => _client.Dispose();

    private sealed class Counts
    {
        public long Answered;
        public long Accepted;
        public long Failed;

        public LoadResult Result(long sent, TimeSpan elapsed, long[] acks)
        {
            var answered = Interlocked.Read(ref Answered);
            var accepted = Interlocked.Read(ref Accepted);
            var failed = Interlocked.Read(ref Failed);
            return new LoadResult(sent, accepted, answered - accepted, failed, Math.Max(0, sent - answered - failed), elapsed, acks);
        }
    }
}
