namespace Bridge.Events;

/// <summary>
/// Reads the action from Authentik's fallback summary <c>"&lt;action&gt;: {python repr}"</c>.
/// The repr after the prefix is Python, not JSON, and is never parsed.
/// </summary>
internal static class ActionPrefix
{
    /// <summary>
    /// True when <paramref name="text"/> starts with a lower-case identifier followed by <c>": {"</c>.
    /// The brace is required because Authentik always formats a dict there; without it, a human
    /// <c>context["message"]</c> such as <c>"error: disk full"</c> would be mistaken for action <c>error</c>.
    /// </summary>
    public static bool TryRead(string text, out string action)
    {
        action = "";
        if (text.Length == 0 || !IsLower(text[0]))
        {
            return false;
        }

        // A hand loop rather than a regex: this runs per request and needs only one pass over the prefix.
        var i = 1;
        while (i < text.Length && (IsLower(text[i]) || char.IsAsciiDigit(text[i]) || text[i] == '_'))
        {
            i++;
        }

        if (!text.AsSpan(i).StartsWith(": {", StringComparison.Ordinal))
        {
            return false;
        }
        action = text[..i];
        return true;
    }

    private static bool IsLower(char c) => c is >= 'a' and <= 'z';
}
