using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace Bridge.Hosting;

/// <summary>
/// For the text log format: control characters in logged values are written as escapes (<c>\n</c>, <c>\u001b</c>), so
/// a value a sender chose (an event id, an action) cannot end the line and forge one of its own, or drive the terminal.
/// The JSON format escapes them itself.
/// </summary>
public sealed class ControlCharacterEscaper : ILogEventEnricher
{
    private static readonly Func<string, string> EscapeText = Escape;

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) => LogValues.RewriteAll(logEvent, EscapeText);

    /// <returns>The same instance when there is nothing to escape (the usual case: no copy).</returns>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = text.AsSpan().IndexOfAny(Controls);
        if (first < 0) return text;
        var escaped = new StringBuilder(text.Length + 16).Append(text, 0, first);
        foreach (var c in text.AsSpan(first))
        {
            switch (c)
            {
                case '\n': escaped.Append("\\n"); break;
                case '\r': escaped.Append("\\r"); break;
                case '\t': escaped.Append("\\t"); break;
                case var other when Controls.Contains(other): escaped.Append("\\u").Append(((int)other).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: escaped.Append(c); break;
            }
        }
        return escaped.ToString();
    }

    /// <summary>C0, DEL, C1, and the Unicode line and paragraph separators that some terminals and viewers break lines at.</summary>
    private static readonly System.Buffers.SearchValues<char> Controls = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(i => (char)i), .. Enumerable.Range(0x7F, 0x21).Select(i => (char)i), '\u2028', '\u2029']);
}
