using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bridge.Silences;

/// <summary><c>/api/silences</c>: make a silence, list those in force, end one early. Behind the admin API's access.</summary>
public static class SilenceEndpoints
{
    /// <summary>The largest request body read: a silence is a few keys and a comment.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static void MapSilences(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapPost("/silences", CreateAsync);
        group.MapGet("/silences", List);
        group.MapDelete("/silences/{id}", EndAsync);
    }

    private static async Task<Results<Created<SilenceView>, ProblemHttpResult>> CreateAsync(HttpRequest request, Silencer silencer, CancellationToken ct)
    {
        var errors = new List<string>();
        if (await ReadBodyAsync(request, errors, ct) is not { } body || SilenceRequest.Read(body, errors) is not { } wanted)
            return TypedResults.Problem(statusCode: 400, title: "Bad silence", detail: string.Join("; ", errors));
        // A fresh random id cannot be taken.
        var silence = (await silencer.CreateAsync(wanted, "admin API", null, ct))!;
        return TypedResults.Created($"/api/silences/{silence.Id}", SilenceView.From(silence));
    }

    private static Ok<SilenceList> List(SilenceBook book, TimeProvider time) =>
        TypedResults.Ok(new SilenceList([.. book.Active(time.GetUtcNow()).Select(SilenceView.From)]));

    private static async Task<Results<Ok<SilenceView>, ProblemHttpResult>> EndAsync(string id, Silencer silencer, CancellationToken ct) =>
        await silencer.EndAsync(id, ct) is { } ended
            ? TypedResults.Ok(SilenceView.From(ended))
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"no silence '{id}' is in force (GET /api/silences lists them)");

    /// <summary>The body as JSON, at most <see cref="MaxBodyBytes"/>; null with the reason added otherwise.</summary>
    internal static async Task<JsonElement?> ReadBodyAsync(HttpRequest request, List<string> errors, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            errors.Add($"the body is larger than {MaxBodyBytes} bytes");
            return null;
        }
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                errors.Add($"the body is larger than {MaxBodyBytes} bytes");
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        try
        {
            using var doc = JsonDocument.Parse(buffer.ToArray());
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            errors.Add($"the body is not JSON: {e.Message}");
            return null;
        }
    }
}

/// <summary>A silence as the API shows it.</summary>
public sealed record SilenceView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("match")] SilenceMatch Match,
    [property: JsonPropertyName("comment")] string Comment,
    [property: JsonPropertyName("created_by")] string CreatedBy,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("ends_at")] DateTimeOffset EndsAt,
    [property: JsonPropertyName("ended_at")] DateTimeOffset? EndedAt)
{
    public static SilenceView From(Silence s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Id, s.Match, s.Comment, s.CreatedBy, s.CreatedAt, s.EndsAt, s.EndedAt);
    }
}

/// <summary>The silences in force, the one ending first first.</summary>
public sealed record SilenceList([property: JsonPropertyName("silences")] IReadOnlyList<SilenceView> Silences);
