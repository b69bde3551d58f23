using System.Buffers;
using System.Text.Json;

namespace Bridge.Ingest;

/// <summary>A hook body that could not be taken, with the HTTP status and a reason that names what was wrong.</summary>
public sealed record BodyProblem(int Status, string Title, string Detail);

/// <summary>Reads a hook body within a size limit and parses it as one JSON object.</summary>
public static class HookBodyReader
{
    /// <summary>Default body limit: Authentik events are a few KB; 1 MiB leaves room for big contexts without inviting floods.</summary>
    public const int DefaultMaxBytes = 1024 * 1024;

    /// <summary>Nesting deeper than this is no event anyone sends, and deep documents are a cheap way to burn CPU.</summary>
    public const int MaxDepth = 64;

    /// <returns>The parsed document (the caller disposes it), or a problem.</returns>
    public static async Task<(JsonDocument? Document, BodyProblem? Problem)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes) return (null, TooLarge(maxBytes));

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and var n ? (int)n : 4096);
        var stream = request.Body;
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await stream.ReadAsync(memory, ct);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes) return (null, TooLarge(maxBytes));
        }

        return Parse(buffer.WrittenMemory);
    }

    /// <summary>Parses a whole body; shared by the endpoint and <c>bridge try</c> so both judge a payload alike.</summary>
    public static (JsonDocument? Document, BodyProblem? Problem) Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty) return (null, new BodyProblem(400, "Empty body", "the request has no body: send the event as a JSON object"));

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            // The parser's message names the position and the offending token only, never the body.
            return (null, new BodyProblem(400, "Body is not JSON", $"the body is not valid JSON: {e.Message}"));
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind.ToString().ToLowerInvariant();
            document.Dispose();
            return (null, new BodyProblem(400, "Body is not a JSON object", $"the body must be a JSON object, not {(kind == "array" ? "an" : "a")} {kind}"));
        }
        return (document, null);
    }

    private static BodyProblem TooLarge(int maxBytes) =>
        new(413, "Body too large", $"the body is larger than {maxBytes} bytes");
}
