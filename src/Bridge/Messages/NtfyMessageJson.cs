using System.Text.Encodings.Web;
using System.Text.Json;

namespace Bridge.Messages;

/// <summary>Writes an <see cref="NtfyMessage"/> as the JSON body POSTed to ntfy (and printed by <c>bridge try</c>).</summary>
public static class NtfyMessageJson
{
    /// <summary>
    /// The body bytes, nulls omitted. Non-ASCII text is written as UTF-8, not <c>\uXXXX</c>: ntfy counts body bytes (8191 at most)
    /// and an escaped emoji costs 12 bytes instead of 4. The body is JSON for an API, never embedded in HTML.
    /// </summary>
    public static byte[] ToUtf8(NtfyMessage message, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Events.JsonBytes.Write(message, static (w, m) => JsonSerializer.Serialize(w, m, NtfyJsonContext.Default.NtfyMessage),
            new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
