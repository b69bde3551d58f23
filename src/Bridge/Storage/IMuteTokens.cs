namespace Bridge.Storage;

/// <summary>
/// The mute buttons' store part: the key their tokens are signed with (made on the first start, kept here so a restart
/// keeps the buttons already sent working), and the tokens used, each with the silence it made, so a token makes at
/// most one silence however often it is sent.
/// </summary>
/// <remarks>Writes are durable when their task completes; a write the store cannot commit fails with <see cref="StoreUnavailableException"/>.</remarks>
public interface IMuteTokens
{
    /// <summary>The signing key: the stored one, or <paramref name="candidate"/>, stored now, when there is none yet.</summary>
    Task<byte[]> GetSigningKeyAsync(byte[] candidate, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Records the token <paramref name="nonce"/> as used and saves <paramref name="silence"/>, in one transaction; when the
    /// token was used before, saves nothing and returns the id of the silence it made then (null: saved now). Tokens
    /// expired by the silence's creation time are forgotten here, since they are refused before this is asked.
    /// </summary>
    Task<string?> UseAsync(string nonce, DateTimeOffset tokenExpires, Silences.Silence silence, CancellationToken ct);
}
