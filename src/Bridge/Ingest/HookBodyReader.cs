using System.Buffers;
using Bridge.Events;
using Microsoft.AspNetCore.Http.Features;

namespace Bridge.Ingest;

/// <summary>Reads a hook body's bytes within a size limit and a deadline; <see cref="PayloadJson"/> parses them.</summary>
public static class HookBodyReader
{
    /// <summary>
    /// Reads the body as the exact bytes received (signatures are computed over them), refusing more than
    /// <paramref name="maxBytes"/> as soon as it is clear, without reading the rest.
    /// </summary>
    /// <param name="timeout">For the whole body (<c>server.limits.body_timeout</c>): a client that sends just fast enough
    /// for the minimum rate still cannot hold its place longer.</param>
    public static async Task<(ReadOnlyMemory<byte> Body, BodyProblem? Problem)> ReadBytesAsync(HttpRequest request, int maxBytes, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes) return (default, TooLarge(request, maxBytes));
        // The server's own limit is the start-up value; this request's source may allow less or, after a reload, more.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes + 1L;

        // A declared length sizes the buffer once: one byte over it, so the read that finds the end needs no more room.
        var declared = request.ContentLength is > 0 and var n ? (int)n : 0;
        var buffer = new ArrayBufferWriter<byte>(declared > 0 ? declared + 1 : 4096);
        var stream = request.Body;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(declared > 0 ? 1 : 4096);
                var read = await stream.ReadAsync(memory, linked.Token);
                if (read == 0) break;
                buffer.Advance(read);
                if (buffer.WrittenCount > maxBytes) return (default, TooLarge(request, maxBytes));
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // The rest of the body stays unread: the connection closes after the answer.
            request.HttpContext.Response.Headers.Connection = "close";
            return (default, new BodyProblem(408, "Body too slow", $"the body did not arrive within {timeout.TotalSeconds:0.###} s (server.limits.body_timeout); {buffer.WrittenCount} bytes came"));
        }
        catch (BadHttpRequestException e)
        {
            // The server's verdict on the body's framing or pace (a malformed chunk, a client sending too slowly).
            return (default, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(request, maxBytes)
                : new BodyProblem(e.StatusCode, "Unreadable body", $"the body could not be read: {e.Message}"));
        }
        return (buffer.WrittenMemory, null);
    }

    private static BodyProblem TooLarge(HttpRequest request, int maxBytes)
    {
        // The rest of the body stays unread, and the server would drop the connection rather than read it: say so,
        // so the client does not send its next request down a connection about to close.
        request.HttpContext.Response.Headers.Connection = "close";
        return new BodyProblem(413, "Body too large", $"the body is larger than {maxBytes} bytes");
    }
}
