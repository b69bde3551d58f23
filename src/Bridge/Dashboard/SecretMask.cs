using System.Text.Encodings.Web;
using Bridge.Configuration;
using Bridge.Hosting;

namespace Bridge.Dashboard;

/// <summary>
/// Replaces every configured secret in text the dashboard sends, as written and as JSON escapes it (a secret with
/// <c>+</c> or a quote is written <c>\u002B</c> or <c>\"</c> inside a JSON string), so an event body or an ntfy answer
/// that carries a token never shows it.
/// </summary>
public static class SecretMask
{
    public static string Apply(string text, BridgeConfig config)
    {
        foreach (var secret in Forms(config))
        {
            if (text.Contains(secret, StringComparison.Ordinal)) text = text.Replace(secret, SecretRedactor.Mask, StringComparison.Ordinal);
        }
        return text;
    }

    private static IEnumerable<string> Forms(BridgeConfig config)
    {
        var secrets = ConfiguredSecrets.Of(config);
        var forms = new HashSet<string>(secrets, StringComparer.Ordinal);
        foreach (var s in secrets)
        {
            forms.Add(JavaScriptEncoder.Default.Encode(s));
            forms.Add(JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(s));
        }
        // Longest first, so a secret that contains another is replaced whole.
        return forms.Where(f => f.Length > 0).OrderByDescending(f => f.Length);
    }
}
