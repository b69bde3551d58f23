namespace Bridge.Authentik;

public enum ApiState
{
    /// <summary>The last look-up was answered (or none was needed yet).</summary>
    Answering,
    /// <summary>The last look-up got no usable answer: events wait and are retried.</summary>
    Unreachable,
    /// <summary>The API refused the token (401/403): events wait until the token or its permissions are fixed.</summary>
    Refused,
}

/// <summary>How one source's Authentik API did at its last look-up, for the admin API, <c>/readyz</c> and <c>bridge status</c>.</summary>
/// <param name="Reason">What went wrong; null while answering.</param>
/// <param name="Since">When it entered this state.</param>
public sealed record ApiHealth(string Source, ApiState State, string? Reason, DateTimeOffset? Since)
{
    public string StateName => State switch
    {
        ApiState.Answering => "answering",
        ApiState.Unreachable => "unreachable",
        _ => "refused",
    };
}
