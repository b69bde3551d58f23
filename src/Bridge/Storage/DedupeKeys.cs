using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;

namespace Bridge.Storage;

/// <summary>
/// What makes two POSTs the same event. One Authentik notification rule POSTs once per recipient and Authentik retries,
/// so copies share Authentik's event id; the default transport body carries none, so there the key is a hash of what
/// every recipient's copy has in common (summary, event user, severity). Recipients differ, so they are left out.
/// </summary>
public static class DedupeKeys
{
    public static string For(BridgeEvent e, SourceFormat format)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!e.IdIsGenerated) return $"id:{e.Source}:{e.Id}";
        if (format == SourceFormat.Json)
        {
            // Any JSON: nothing is known about which fields tell copies apart, so only identical bodies are copies.
            return $"body:{e.Source}:{Hash(JsonMarshal.GetRawUtf8Value(e.Raw))}";
        }
        var text = string.Join('\u001f', e.Action, e.Summary, e.User?.Username, e.User?.Email, e.Severity);
        return $"hash:{e.Source}:{Hash(Encoding.UTF8.GetBytes(text))}";
    }

    /// <summary>
    /// ntfy's <c>sequence_id</c> for a message: the same for every redelivery of it (so newer clients replace rather than
    /// double it) and different for every other message. Short hex, within any id pattern ntfy accepts.
    /// </summary>
    public static string SequenceId(string dedupeKey, string rule, int index) =>
        "br" + Hash(Encoding.UTF8.GetBytes($"{dedupeKey}\u001f{rule}\u001f{index}"))[..30];

    private static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
