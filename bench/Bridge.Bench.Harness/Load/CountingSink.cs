using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Bench.Harness.Load;

/// <summary>
/// The stand-in for ntfy: answers every POST 200 with ntfy's JSON, counts them, keeps the time of the last one, and
/// for bodies carrying a <see cref="Marker"/> records how long after its send it arrived. Lock-free and allocation-
/// light so that it is never what limits a run. For the kill phase it also keeps each notification's first arrival by
/// its <c>sequence_id</c>, so copies sent again after a kill count once.
/// </summary>
internal sealed class CountingSink : IAsyncDisposable
{
    private static readonly byte[] Answer = """{"id":"benchsink","time":0,"event":"message","topic":"bench"}"""u8.ToArray();
    private readonly WebApplication _app;
    private long[] _latencies = new long[1 << 20];
    private int _marked;
    private long _count;
    private long _last;
    private ConcurrentDictionary<string, long>? _firsts;
    private long _lastFirst;

    private CountingSink(WebApplication app) => _app = app;

    public Uri Url { get; private init; } = null!;

    public long Count => Interlocked.Read(ref _count);

    /// <summary><see cref="Stopwatch"/> timestamp of the last delivery, 0 before the first.</summary>
    public long LastAt => Interlocked.Read(ref _last);

    public static async Task<CountingSink> StartAsync(int port)
    {
        var builder = Baselines.MinimalHost.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new CountingSink(app) { Url = new Uri($"http://127.0.0.1:{port}/") };
        app.Run(sink.HandleAsync);
        await app.StartAsync();
        return sink;
    }

    /// <summary>Distinct notifications (by <c>sequence_id</c>) since a <see cref="Reset"/> that asked to tell them apart.</summary>
    public int Distinct => _firsts?.Count ?? 0;

    /// <summary><see cref="Stopwatch"/> timestamp of the last notification that arrived for the first time.</summary>
    public long LastFirstAt => Interlocked.Read(ref _lastFirst);

    /// <summary>Forget what arrived so far; the next phase sizes its latency record for <paramref name="expected"/> deliveries.</summary>
    /// <param name="distinct">Tell notifications apart by their <c>sequence_id</c> (<see cref="Distinct"/>).</param>
    public void Reset(int expected, bool distinct = false)
    {
        _firsts = distinct ? new ConcurrentDictionary<string, long>(StringComparer.Ordinal) : null;
        Interlocked.Exchange(ref _lastFirst, 0);
        _latencies = new long[Math.Max(1024, expected + expected / 4)];
        Volatile.Write(ref _marked, 0);
        Interlocked.Exchange(ref _count, 0);
        Interlocked.Exchange(ref _last, 0);
    }

    /// <summary>Send-to-arrival times in µs of the marked deliveries since <see cref="Reset"/>.</summary>
    public long[] Latencies()
    {
        var n = Math.Min(Volatile.Read(ref _marked), _latencies.Length);
        return _latencies[..n];
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var reader = context.Request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            if (read.IsCompleted)
            {
                Record(Marker.Find(read.Buffer));
                if (_firsts is { } firsts) First(firsts, read.Buffer);
                reader.AdvanceTo(read.Buffer.End);
                break;
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Answer, context.RequestAborted);
    }

    private void Record(long? sentAt)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _count);
        Interlocked.Exchange(ref _last, now);
        if (sentAt is not { } sent) return;
        var slot = Interlocked.Increment(ref _marked) - 1;
        var latencies = _latencies;
        if (slot < latencies.Length) latencies[slot] = (long)Stopwatch.GetElapsedTime(sent, now).TotalMicroseconds;
    }

    private void First(ConcurrentDictionary<string, long> firsts, in ReadOnlySequence<byte> body)
    {
        var text = Encoding.UTF8.GetString(body);
        const string Key = "\"sequence_id\":\"";
        var at = text.IndexOf(Key, StringComparison.Ordinal);
        if (at < 0) return;
        var end = text.IndexOf('"', at + Key.Length);
        var now = Stopwatch.GetTimestamp();
        if (end > 0 && firsts.TryAdd(text[(at + Key.Length)..end], now)) Interlocked.Exchange(ref _lastFirst, now);
    }

    /// <summary>Completes when the host is told to stop (SIGTERM, Ctrl+C).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
