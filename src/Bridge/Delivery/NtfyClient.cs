using System.Net;
using System.Net.Http.Headers;
using Bridge.Configuration;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Bridge.Delivery;

/// <summary>
/// Publishes to one ntfy server: JSON POSTed to the server root, the token in <c>Authorization: Bearer</c> (never the
/// URL). One <see cref="SendAsync"/> is one scheduled attempt: a Polly pipeline bounds it with the destination's timeout
/// and retries at once, a single time, when a pooled connection turns out to have been reset. The long schedule between
/// attempts is the store's, so it survives restarts.
/// </summary>
public sealed class NtfyClient : IMessageSender, IDisposable
{
    private readonly DestinationConfig _destination;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TimeProvider _time;

    public NtfyClient(DestinationConfig destination, TimeProvider time, ILogger<NtfyClient> log)
    {
        _destination = destination;
        _time = time;
        var handler = BoundedHttpHandler.Create(destination.Timeout);
        handler.SslOptions = DestinationTls.ClientOptions(destination);
        _http = new HttpClient(handler)
        {
            // The pipeline's per-attempt timeout governs; HttpClient's own would cut across the reset retry.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _pipeline = BuildPipeline(destination, time, log);
    }

    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    public async Task<DeliveryOutcome> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        var state = new AttemptState(this, message.Body);
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(static (s, token) => s.SendOnceAsync(token), state, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new DeliveryOutcome(DeliveryStatus.Cancelled, null, null, "the bridge stopped before delivery finished", state.Attempts);
        }
        catch (TimeoutRejectedException)
        {
            return new DeliveryOutcome(DeliveryStatus.Failed, null, null, $"no answer within {_destination.Timeout.TotalSeconds:0.###} s", state.Attempts);
        }
        catch (HttpRequestException e)
        {
            return new DeliveryOutcome(DeliveryStatus.Failed, null, null, $"connection failed: {e.Message}", state.Attempts);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                var (_, stored) = await NtfyResponse.ReadAsync(response, _destination.Timeout, _time, ct);
                return new DeliveryOutcome(DeliveryStatus.Delivered, status, null, stored, state.Attempts);
            }
            var (code, text) = await NtfyResponse.ReadAsync(response, _destination.Timeout, _time, ct);
            var final = IsTransient(response.StatusCode) ? DeliveryStatus.Failed : DeliveryStatus.Rejected;
            return new DeliveryOutcome(final, status, code, text, state.Attempts) { RetryAfter = RetryAfter(response, _time) };
        }
    }

    public void Dispose() => _http.Dispose();

    private static ResiliencePipeline<HttpResponseMessage> BuildPipeline(DestinationConfig destination, TimeProvider time, ILogger log) =>
        new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                // A connection reset on a pooled connection says nothing about the server: try once more at once. Anything
                // else waits for the next scheduled attempt.
                MaxRetryAttempts = 1,
                Delay = TimeSpan.Zero,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>().Handle<HttpRequestException>(IsConnectionReset),
                OnRetry = args =>
                {
                    log.LogWarning("The connection to {Destination} was reset ({Reason}); retrying once at once", destination.Name, Describe(args.Outcome));
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(destination.Timeout)
            .Build();

    /// <summary>The server closed or reset the connection under the request (typically a pooled connection gone stale).</summary>
    public static bool IsConnectionReset(HttpRequestException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.HttpRequestError == HttpRequestError.ResponseEnded) return true;
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset }) return true;
        }
        return false;
    }

    /// <summary>A server's <c>Retry-After</c> (seconds or a date), when it sent one; ntfy's 429 sends none.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(time);
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return delay is { } d && d > TimeSpan.Zero ? d : null;
    }

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is { } e ? e.GetType().Name + ": " + e.Message : $"HTTP {(int)outcome.Result!.StatusCode}";

    private sealed class AttemptState(NtfyClient client, byte[] body)
    {
        public int Attempts;

        public async ValueTask<HttpResponseMessage> SendOnceAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref Attempts);
            using var request = new HttpRequestMessage(HttpMethod.Post, client._destination.Url)
            {
                Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            };
            if (client._destination.Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            // Headers first: the answer's body is read by NtfyResponse, bounded, and never buffered whole.
            return await client._http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
    }
}
