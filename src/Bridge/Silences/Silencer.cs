using System.Security.Cryptography;
using Bridge.Storage;

namespace Bridge.Silences;

/// <summary>Makes and ends silences: in the store first, then in force, so one the API answered for survives a restart.</summary>
public sealed class Silencer(SilenceBook book, IIncidents store, IMuteTokens tokens, IEventLog events, TimeProvider time, ILogger<Silencer> log) : BackgroundService
{
    /// <summary>Makes a silence from a checked request; durable when the task completes.</summary>
    /// <param name="createdBy">Who asks: <c>admin API</c>, <c>mute button</c>.</param>
    public async Task<Silence> CreateAsync(SilenceRequest request, string createdBy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var silence = New(request.Match, request.For, request.Comment, createdBy);
        // A fresh random id is never taken.
        await store.AddSilenceAsync(silence, ct);
        return InForce(silence);
    }

    /// <summary>
    /// Makes the silence a verified mute token claims, once: durable, with the token recorded as used, when the task
    /// completes. A token used before makes nothing: the answer is the id of the silence it made then.
    /// </summary>
    public async Task<(Silence? Made, string? EarlierId)> MuteAsync(MuteClaim claim, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var silence = New(claim.Match, claim.For, $"muted from the button of the notification of event {claim.EventId}", "mute button");
        if (await tokens.UseAsync(claim.Nonce, claim.Expires, silence, ct) is { } earlier) return (null, earlier);
        return (InForce(silence), null);
    }

    private Silence New(SilenceMatch match, TimeSpan duration, string comment, string createdBy)
    {
        var now = time.GetUtcNow();
        return new Silence("sil_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), match, comment, createdBy, now, now + duration);
    }

    private Silence InForce(Silence silence)
    {
        book.Add([silence], time.GetUtcNow());
        log.LogInformation("Silence {Silence} ({Match}) made by {CreatedBy} until {EndsAt}: {Comment}", silence.Id, silence.Match.ToString(), silence.CreatedBy, silence.EndsAt, silence.Comment);
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
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var kept = await store.GetSilencesAsync(now, cancellationToken);
        book.Add(kept, now);
        if (kept.Count > 0) log.LogInformation("{Count} silence(s) in force", kept.Count);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// On a store other bridges share, the silences are read again as often as the event reader looks (the same kind of
    /// engine, the same staleness): one made or ended on another instance holds here within seconds, not after a restart.
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (events.LookAgainEvery is not { } every) return;
        using var timer = new PeriodicTimer(every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var readAt = time.GetUtcNow();
                try
                {
                    var stored = await store.GetSilencesAsync(readAt, stoppingToken);
                    if (book.Replace(stored, readAt, time.GetUtcNow()))
                        log.LogInformation("Silences read again from the shared store: {Count} in force", book.Active(time.GetUtcNow()).Count);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The store is down: the silences in force stay as they were until it answers again.
                    log.LogWarning("Cannot read the silences from the store: {Reason}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }
}
