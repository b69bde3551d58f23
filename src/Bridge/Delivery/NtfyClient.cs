using System.Net;
using System.Net.Http.Headers;
using Bridge.Configuration;
using Bridge.Messages;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Bridge.Delivery;

/// <summary>
/// Publishes to one ntfy server: JSON POSTed to the server root, the token in <c>Authorization: Bearer</c> (never the
/// URL), each attempt bounded by the destination's timeout, transient failures retried with exponential backoff and jitter.
/// </summary>
public sealed class NtfyClient : IMessageSender, IDisposable
{
    private readonly DestinationConfig _destination;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ILogger _log;

    public NtfyClient(DestinationConfig destination, TimeProvider time, ILogger<NtfyClient> log)
    {
        _destination = destination;
        _log = log;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // A redirect could carry the Authorization header to another host; ntfy never redirects a publish.
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = destination.Timeout,
            SslOptions = DestinationTls.ClientOptions(destination),
        })
        {
            // The pipeline's per-attempt timeout governs; HttpClient's own would cut across retries.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _pipeline = BuildPipeline(destination, time, log);
    }

    /// <summary>Statuses worth another attempt; any other 4xx means the message itself is wrong.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    public async Task<DeliveryOutcome> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        var body = NtfyMessageJson.ToUtf8(message.Message);
        var state = new AttemptState(this, body);
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
                var (_, stored) = await NtfyResponse.ReadAsync(response, ct);
                return new DeliveryOutcome(DeliveryStatus.Delivered, status, null, stored, state.Attempts);
            }
            var (code, text) = await NtfyResponse.ReadAsync(response, ct);
            var final = IsTransient(response.StatusCode) ? DeliveryStatus.Failed : DeliveryStatus.Rejected;
            return new DeliveryOutcome(final, status, code, text, state.Attempts);
        }
    }

    public void Dispose() => _http.Dispose();

    private static ResiliencePipeline<HttpResponseMessage> BuildPipeline(DestinationConfig destination, TimeProvider time, ILogger log)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (destination.Retry.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = destination.Retry.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = destination.Retry.Delay,
                MaxDelay = destination.Retry.MaxDelay,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => IsTransient(r.StatusCode)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, destination.Retry.MaxDelay)),
                OnRetry = args =>
                {
                    log.LogWarning("Attempt {Attempt} to {Destination} failed ({Reason}); retrying in {Delay}",
                        args.AttemptNumber + 1, destination.Name, Describe(args.Outcome), args.RetryDelay);
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        }
        return builder.AddTimeout(destination.Timeout).Build();
    }

    /// <summary>Honours a server's <c>Retry-After</c> up to <paramref name="max"/>; null lets the backoff decide.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan max)
    {
        var header = response?.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (delay is not { } d || d <= TimeSpan.Zero) return null;
        return d < max ? d : max;
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
            return await client._http.SendAsync(request, ct);
        }
    }
}
