using System.Globalization;
using System.Text.RegularExpressions;

namespace Bridge.Configuration;

/// <summary>Parsers for the value syntaxes the config file uses: durations (<c>10s</c>, <c>1h30m</c>) and sizes (<c>16MB</c>).</summary>
public static partial class ConfigValues
{
    /// <summary>Parses <c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, <c>3d</c> and sums like <c>1h30m</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var matches = DurationPart().Matches(text.Trim());
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text.Trim()) return false;
        foreach (Match m in matches)
        {
            var amount = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            duration += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }
        return true;
    }

    /// <summary>Parses a byte size: <c>1048576</c>, <c>512KB</c>, <c>16MB</c>, <c>1GB</c> (binary multiples).</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var m = SizePattern().Match(text.Trim());
        if (!m.Success) return false;
        var multiplier = m.Groups[2].Value.ToUpperInvariant() switch
        {
            "" or "B" => 1L,
            "KB" or "KIB" => 1L << 10,
            "MB" or "MIB" => 1L << 20,
            _ => 1L << 30,
        };
        bytes = (long)(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * multiplier);
        return true;
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h|d)")]
    private static partial Regex DurationPart();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$", RegexOptions.IgnoreCase)]
    private static partial Regex SizePattern();
}
