using System.Buffers;

namespace Bridge.Delivery;

/// <summary>What <see cref="BoundedBody.ReadAsync"/> read of an answer.</summary>
/// <param name="Bytes">The bytes read, at most the bound.</param>
/// <param name="Larger">The answer had a byte past the bound; the rest was never read.</param>
/// <param name="Error">Why the body could not be read (a reset, the deadline); null when it was.</param>
public sealed record BoundedAnswer(ReadOnlyMemory<byte> Bytes, bool Larger, string? Error);

/// <summary>
/// Reads an HTTP answer's body up to a fixed number of bytes, for every client the bridge owns (ntfy, Authentik's API):
/// the request must have been sent with headers-first completion, so nothing more was buffered, and an endless or huge
/// answer costs the bound, not memory. Disposing the response then closes the connection (the handlers set no drain).
/// </summary>
public static class BoundedBody
{
    /// <param name="timeout">For the body, after the headers: a server that sends its answer slowly holds the caller no longer.</param>
    public static async Task<BoundedAnswer> ReadAsync(HttpResponseMessage response, int maxBytes, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        // One byte more than the bound, to tell "exactly the bound" from "more". Pooled: the bound is far larger than the
        // usual answer (ntfy's is a few hundred bytes), and a fresh one per delivery was most of what a send allocated.
        var wanted = maxBytes + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(wanted);
        var length = 0;
        try
        {
            await using (var stream = await response.Content.ReadAsStreamAsync(linked.Token))
            {
                int read;
                while (length < wanted && (read = await stream.ReadAsync(buffer.AsMemory(length, wanted - length), linked.Token)) > 0) length += read;
            }
            return new BoundedAnswer(buffer.AsSpan(0, Math.Min(length, maxBytes)).ToArray(), length > maxBytes, null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return new BoundedAnswer(ReadOnlyMemory<byte>.Empty, false, e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
