using System.Text;

namespace Bridge.Configuration;

/// <summary>
/// Replaces <c>${VAR}</c> and <c>${VAR:-default}</c> in config strings from the environment; <c>$$</c> is a literal <c>$</c>.
/// An unset variable without a default is an error rather than an empty string: a silently empty token is worse than a refusal.
/// </summary>
public sealed class EnvInterpolator(Func<string, string?> getVariable)
{
    public static EnvInterpolator FromProcess() => new(Environment.GetEnvironmentVariable);

    /// <returns>The interpolated text, or null with <paramref name="error"/> set.</returns>
    public string? Interpolate(string text, out string? error)
    {
        error = null;
        if (!text.Contains('$', StringComparison.Ordinal)) return text;

        var result = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '$' || i + 1 >= text.Length)
            {
                result.Append(c);
                i++;
                continue;
            }
            if (text[i + 1] == '$')
            {
                result.Append('$');
                i += 2;
                continue;
            }
            if (text[i + 1] != '{')
            {
                result.Append(c);
                i++;
                continue;
            }
            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                error = $"unterminated \"${{\" at character {i + 1}";
                return null;
            }
            var expression = text.AsSpan(i + 2, close - i - 2);
            var separator = expression.IndexOf(":-", StringComparison.Ordinal);
            var name = (separator < 0 ? expression : expression[..separator]).ToString();
            if (!IsVariableName(name))
            {
                error = $"\"${{{expression}}}\" is not a valid variable reference (use ${{NAME}} or ${{NAME:-default}})";
                return null;
            }
            var value = getVariable(name);
            if (string.IsNullOrEmpty(value))
            {
                if (separator < 0)
                {
                    error = $"environment variable {name} is not set (write ${{{name}:-}} to allow it to be empty)";
                    return null;
                }
                value = expression[(separator + 2)..].ToString();
            }
            result.Append(value);
            i = close + 1;
        }
        return result.ToString();
    }

    private static bool IsVariableName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) return false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        }
        return true;
    }
}
