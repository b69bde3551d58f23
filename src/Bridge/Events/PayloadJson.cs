using System.Text.Json;

namespace Bridge.Events;

/// <summary>A payload that could not be taken, with the HTTP status and a reason that names what was wrong.</summary>
public sealed record BodyProblem(int Status, string Title, string Detail);

/// <summary>A payload's bytes as one JSON object, or the precise reason they are not one.</summary>
public static class PayloadJson
{
    /// <summary>Parses a whole body as one JSON object; <see cref="EventReader"/> is its one caller, so every path judges a payload alike.</summary>
    public static (JsonDocument? Document, BodyProblem? Problem) Parse(ReadOnlyMemory<byte> body, int maxDepth)
    {
        // JSON text may start with a UTF-8 byte order mark (RFC 8259 lets parsers ignore it); the parser would not.
        if (body.Span.StartsWith(Utf8Bom)) body = body[Utf8Bom.Length..];
        if (body.Span.Trim(JsonWhitespace).IsEmpty) return (null, new BodyProblem(400, "Empty body", "the request has no body: send the event as a JSON object"));
        if (BodyText.Check(body.Span) is { } encoding) return (null, encoding);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = maxDepth, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            return (null, Refusal(body.Span, maxDepth, e));
        }
        catch (InvalidOperationException)
        {
            // The parser's duplicate check decodes every property name, and throws on a \u escape that is no character.
            return (null, Refusal(body.Span, maxDepth, null));
        }
        // One walk of what the parser built, not a second pass over the text: the usual body has nothing to report.
        if (BodyText.HasUnusableValue(document.RootElement))
        {
            document.Dispose();
            return (null, Refusal(body.Span, maxDepth, null));
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind.ToString().ToLowerInvariant();
            document.Dispose();
            return (null, new BodyProblem(400, "Body is not a JSON object", $"the body must be a JSON object, not {(kind == "array" ? "an" : "a")} {kind}"));
        }
        return (document, null);
    }

    /// <summary>
    /// Why a body the parser refused (or whose values it let through but the bridge cannot use) is refused: the reader's
    /// one pass over its tokens says what comes first, a bad value before a syntax error included, at its byte.
    /// </summary>
    /// <param name="parserError">The parser's error; null when it took the body.</param>
    private static BodyProblem Refusal(ReadOnlySpan<byte> body, int maxDepth, JsonException? parserError)
    {
        JsonException? error;
        try
        {
            if (BodyText.CheckValues(body, maxDepth) is { } value) return value;
            // Only the parser refuses a property named twice, which the reader does not look for.
            error = parserError;
        }
        catch (JsonException e)
        {
            error = e;
        }
        // The parser's message names the position and the offending token only, never the body.
        return error is null
            ? throw new InvalidOperationException("the body has an unusable value the reader does not find")
            : new BodyProblem(400, "Body is not JSON", $"the body is not valid JSON: {error.Message}");
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> JsonWhitespace => [(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n'];

}
