using Bridge.Configuration;
using Bridge.Ingest.Auth;

namespace Bridge.Ingest;

/// <summary>Why a hook request was not let in: the answer's status, title and detail, and the auth challenge if any.</summary>
public sealed record HookRefusal(int Status, string Title, string Detail, string? Challenge = null);

/// <summary>A request let in: its body's exact bytes (not yet read as JSON), and the message id it claimed, if any.</summary>
public sealed record HookAdmission(ReadOnlyMemory<byte> Body, HookRefusal? Refusal, ReplayClaim? Claim = null);

/// <summary>
/// What a hook request must pass before its body is read as an event, cheapest first: the source's address
/// allow-list, a credential of one of its methods, the body size, and a valid signature over the exact bytes. The
/// caller reads the body as JSON (<see cref="Events.EventReader"/>) only for authenticated senders.
/// </summary>
public sealed class HookGate(SourceAuthenticator authenticator)
{
    public async Task<HookAdmission> AdmitAsync(SourceConfig source, IngestLimitsConfig limits, HttpContext http)
    {
        if (!AllowList.Permits(source, http.Connection.RemoteIpAddress))
            return Refuse(new HookRefusal(403, "Forbidden", $"address {http.Connection.RemoteIpAddress} may not send to source '{source.Name}'"));

        var decision = authenticator.BeforeBody(source, http.Request);
        if (decision.Failure is { } early) return Refuse(decision, early);

        var (body, problem) = await HookBodyReader.ReadBytesAsync(http.Request, limits.MaxBodyBytes, http.RequestAborted);
        if (problem is not null) return Refuse(new HookRefusal(problem.Status, problem.Title, problem.Detail));

        if (decision.Outcome == AuthOutcome.NeedsBody)
        {
            decision = authenticator.WithBody(source, http.Request, body);
            if (decision.Failure is { } late) return Refuse(decision, late);
        }
        return new HookAdmission(body, null, decision.Claim);
    }

    private static HookAdmission Refuse(HookRefusal refusal) => new(default, refusal);

    private static HookAdmission Refuse(AuthDecision decision, AuthFailure failure) =>
        new(default, new HookRefusal(failure.Status, failure.Title, failure.Detail, decision.Challenge));
}
