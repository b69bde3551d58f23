namespace Bridge.Messages;

/// <summary>The JSON ntfy receives for a message: nulls omitted, field names as ntfy spells them.</summary>
public static class NtfyMessageJson
{
    public static byte[] ToUtf8(NtfyMessage message, bool indented = false) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(message, indented ? NtfyJsonContext.Indented.NtfyMessage : NtfyJsonContext.Default.NtfyMessage);
}
