namespace Bridge.Ingest.Auth;

/// <summary>
/// Why a hook request was refused, in words safe to send back: it names what was missing or wrong, never an expected
/// token or signature.
/// </summary>
/// <param name="Status">401 for bad or missing credentials, 409 for a replayed message, 503 when the replay memory is full.</param>
public sealed record AuthFailure(string Detail, int Status = 401)
{
    public string Title => Status switch
    {
        409 => "Replayed request",
        503 => "Cannot take more signed requests",
        _ => "Unauthorized",
    };
}
