using Bridge.Configuration;
using Bridge.Ingest.Auth;
using Bridge.Ingest.Limits;

namespace Bridge.Ingest;

/// <summary>Why a hook request was not let in: the answer's status, title and detail, the auth challenge and the wait, if any.</summary>
public sealed record HookRefusal(int Status, string Title, string Detail, string? Challenge = null, TimeSpan? RetryAfter = null);

/// <summary>A request let in: its body's exact bytes (not yet read as JSON), and the message id it claimed, if any.</summary>
public sealed record HookAdmission(ReadOnlyMemory<byte> Body, HookRefusal? Refusal, ReplayClaim? Claim = null);

/// <summary>
/// What a hook request must pass before its body is read as an event, cheapest first: the source's address
/// allow-list, the address's failed-authentication budget, a credential of one of its methods, a place to be handled
/// in (authenticated senders and unverified bodies have separate budgets), the body within its size and deadline, a
/// valid signature over the exact bytes. The caller reads the body as JSON (<see cref="Events.EventReader"/>) only for
/// authenticated senders.
/// </summary>
public sealed class HookGate(SourceAuthenticator authenticator, HookSlots slots, AuthFailureThrottle failures, TimeProvider time)
{
    /// <summary>What a full budget asks the sender to wait: places free up as fast as requests are answered.</summary>
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);

    public async Task<HookAdmission> AdmitAsync(SourceConfig source, IngestLimitsConfig limits, HttpContext http)
    {
        var client = http.Connection.RemoteIpAddress;
        if (!AllowList.Permits(source, client))
            return Unread(http, new HookRefusal(403, "Forbidden", $"address {client} may not send to source '{source.Name}'"));
        if (failures.LockedOut(client, limits.AuthFailures) is { } wait)
        {
            return Unread(http, new HookRefusal(429, "Too many requests",
                $"too many failed authentications from {client} (at most {limits.AuthFailures.Requests} per {limits.AuthFailures.Per.TotalMinutes:0.#} min, server.limits.auth_failures)", RetryAfter: wait));
        }

        var decision = authenticator.BeforeBody(source, http.Request);
        if (decision.Failure is { } early) return Unread(http, Failed(decision, early, client, limits));
        if (EncodingProblem(http.Request) is { } encoding) return Unread(http, encoding);

        var unverified = decision.Outcome == AuthOutcome.NeedsBody;
        var (slot, busy) = unverified
            ? slots.TryEnterUnverified(limits, source.Name, client)
            : (slots.TryEnterAuthenticated(limits), $"too many requests in flight (at most {limits.MaxInFlight} at once); retry shortly");
        if (slot is null) return Unread(http, new HookRefusal(429, "Too many requests", busy!, RetryAfter: BusyRetryAfter));
        // Held until the answer is sent: the place covers the commit too.
        http.Response.RegisterForDispose(slot);

        var (body, problem) = await HookBodyReader.ReadBytesAsync(http.Request, limits.MaxBodyBytes, limits.BodyTimeout, time, http.RequestAborted);
        if (problem is not null) return Refuse(new HookRefusal(problem.Status, problem.Title, problem.Detail));

        if (unverified)
        {
            decision = authenticator.WithBody(source, http.Request, body);
            if (decision.Failure is { } late) return Refuse(Failed(decision, late, client, limits));
        }
        return new HookAdmission(body, null, decision.Claim);
    }

    /// <summary>Compressed bodies are not taken: a signature is over the bytes as sent, and inflating them would be a bomb's fuse.</summary>
    private static HookRefusal? EncodingProblem(HttpRequest request)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase)) return null;
        request.HttpContext.Response.Headers.AcceptEncoding = "identity";
        return new HookRefusal(415, "Unsupported Media Type", "the body has a Content-Encoding: the bridge takes JSON sent uncompressed only");
    }

    private HookRefusal Failed(AuthDecision decision, AuthFailure failure, System.Net.IPAddress? client, IngestLimitsConfig limits)
    {
        // Only a wrong or missing credential counts: a replayed message id (409) or a full replay memory (503) is no guess.
        if (failure.Status == StatusCodes.Status401Unauthorized) failures.Failed(client, limits.AuthFailures);
        return new HookRefusal(failure.Status, failure.Title, failure.Detail, decision.Challenge);
    }

    private static HookAdmission Refuse(HookRefusal refusal) => new(default, refusal);

    /// <summary>
    /// A refusal before the body was read: the connection is closed after the answer, or the server would go on reading
    /// (and discarding) whatever the client still sends, at the client's pace.
    /// </summary>
    private static HookAdmission Unread(HttpContext http, HookRefusal refusal)
    {
        if (http.Request.ContentLength is not 0) http.Response.Headers.Connection = "close";
        return Refuse(refusal);
    }
}
