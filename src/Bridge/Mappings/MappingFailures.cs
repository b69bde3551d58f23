using System.Globalization;
using System.Text.RegularExpressions;
using Bridge.Configuration;
using Jint;
using Jint.Runtime;

namespace Bridge.Mappings;

/// <summary>Turns whatever a script run threw into a <see cref="MappingError"/>: <c>runtime</c> when the script failed, <c>limit</c> when the sandbox stopped it.</summary>
internal static class MappingFailures
{
    /// <param name="script">The script that ran, to report positions in the mapping's own source rather than the rewritten one.</param>
    public static MappingError From(string mapping, Exception ex, MappingLimitsConfig limits, MappingScript? script = null)
    {
        int? line = null, column = null;
        if (JintException.TryGetJavaScriptLocation(ex, out var location) && location.Start.Line > 0)
        {
            // Only the mapping's own file was rewritten; a place in the helpers is reported as it is.
            var (l, c) = script is not null && location.SourceFile == mapping
                ? script.ToSource(location.Start.Line, location.Start.Column)
                : (location.Start.Line, location.Start.Column);
            line = l;
            // Acornima columns are 0-based; editors count from 1.
            column = c + 1;
        }
        var ms = limits.Timeout.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
        var (kind, message) = ex switch
        {
            JavaScriptException { Message: "Maximum call stack size exceeded" } => (MappingError.Limit, "recursion: call stack exhausted"),
            JavaScriptException js => (MappingError.Runtime, js.Message),
            StatementsCountOverflowException => (MappingError.Limit, $"statements: ran more than {limits.MaxStatements} statements"),
            MemoryLimitExceededException m => (MappingError.Limit, $"memory: {m.Message}"),
            RecursionDepthOverflowException => (MappingError.Limit, $"recursion: calls nested deeper than {limits.MaxRecursion}"),
            RegexMatchTimeoutException => (MappingError.Limit, $"regex: a regular expression ran longer than {ms} ms (nested quantifiers like (a+)+ backtrack exponentially)"),
            TimeoutException or ExecutionCanceledException or OperationCanceledException => (MappingError.Limit, $"timeout: ran longer than {ms} ms"),
            SandboxLimitException s => (MappingError.Limit, s.Message),
            OutOfMemoryException => (MappingError.Limit, "memory: out of memory"),
            InsufficientExecutionStackException => (MappingError.Limit, "recursion: call stack exhausted"),
            _ => (MappingError.Runtime, $"internal error: {ex.GetType().Name}: {ex.Message}"),
        };
        return new MappingError(mapping, kind, message, line, column);
    }
}
