using System.Security.Cryptography;
using Bridge.Storage;

namespace Bridge.Silences;

/// <summary>Makes and ends silences: in the store first, then in force, so one the API answered for survives a restart.</summary>
public sealed class Silencer(SilenceBook book, IIncidents store, TimeProvider time, ILogger<Silencer> log) : IHostedService
{
    /// <summary>Makes a silence from a checked request; durable when the task completes.</summary>
    /// <param name="createdBy">Who asks: <c>admin API</c>, <c>mute button</c>.</param>
    /// <param name="id">The id a mute token grants (one silence per button); null makes a fresh one.</param>
    /// <returns>The silence; null when <paramref name="id"/> is taken already (the button was used).</returns>
    public async Task<Silence?> CreateAsync(SilenceRequest request, string createdBy, string? id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = time.GetUtcNow();
        var silence = new Silence(id ?? "sil_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), request.Match, request.Comment, createdBy, now, now + request.For);
        if (!await store.AddSilenceAsync(silence, ct)) return null;
        book.Add([silence], now);
        log.LogInformation("Silence {Silence} ({Match}) made by {CreatedBy} until {EndsAt}: {Comment}", silence.Id, silence.Match.ToString(), createdBy, silence.EndsAt, silence.Comment);
        return silence;
    }

    /// <summary>Ends a silence in force; null when none in force has that id.</summary>
    public async Task<Silence?> EndAsync(string id, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (book.Active(now).FirstOrDefault(s => s.Id == id) is not { } silence) return null;
        var ended = silence with { EndedAt = now };
        await store.EndSilenceAsync(id, now, ct);
        book.End(id, now);
        log.LogInformation("Silence {Silence} ({Match}) ended early", id, silence.Match.ToString());
        return ended;
    }

    /// <summary>Registered before the processor and the server: the silences the store kept are in force before the first event.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var kept = await store.GetSilencesAsync(now, cancellationToken);
        book.Add(kept, now);
        if (kept.Count > 0) log.LogInformation("{Count} silence(s) in force", kept.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
