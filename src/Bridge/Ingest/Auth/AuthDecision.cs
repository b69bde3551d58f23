namespace Bridge.Ingest.Auth;

public enum AuthOutcome
{
    /// <summary>A method accepted the request.</summary>
    Passed,
    /// <summary>Only a signature over the body can decide: read the body, then ask again.</summary>
    NeedsBody,
    /// <summary>No method accepted the request.</summary>
    Refused,
}

/// <summary>The verdict on a hook request's credentials.</summary>
/// <param name="Challenge">For a refusal: the <c>WWW-Authenticate</c> value naming the schemes the source takes, if any.</param>
/// <param name="Claim">For a pass by a signed message id: the id, to release if the event is not taken after all.</param>
public sealed record AuthDecision(AuthOutcome Outcome, AuthFailure? Failure = null, string? Challenge = null, ReplayClaim? Claim = null)
{
    public static readonly AuthDecision Passed = new(AuthOutcome.Passed);
    public static readonly AuthDecision NeedsBody = new(AuthOutcome.NeedsBody);
}
