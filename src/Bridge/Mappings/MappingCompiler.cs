using Acornima;
using Bridge.Configuration;
using Jint;
using Jint.Native;
using Jint.Native.Function;

namespace Bridge.Mappings;

/// <summary>Parses a mapping once and proves it loads: the top level runs without error and defines <c>map</c> as a function.</summary>
internal static class MappingCompiler
{
    /// <summary>The compiled mapping, or null with the reason (<c>admin-login.js:12:5: Unexpected token ...</c>).</summary>
    public static CompiledMapping? Compile(string name, string? filePath, string source, MappingLimitsConfig limits, out string? error)
    {
        MappingScript? script;
        try
        {
            script = MappingScript.Create(name, source, out error);
            if (script is null) return null;
        }
        catch (ScriptPreparationException ex) when (ex.InnerException is ParseErrorException parse)
        {
            // Acornima columns are 0-based; editors count from 1.
            error = $"{name}:{parse.LineNumber}:{parse.Column + 1}: {parse.Description}";
            return null;
        }
        catch (ParseErrorException parse)
        {
            error = $"{name}:{parse.LineNumber}:{parse.Column + 1}: {parse.Description}";
            return null;
        }

        using var sandbox = MappingSandbox.CreateThrowaway(limits);
        sandbox.Begin(TimeProvider.System.GetUtcNow(), null);
        JsValue map;
        try
        {
            map = sandbox.Load(script);
        }
        catch (Exception ex)
        {
            var failure = MappingFailures.From(name, ex, limits, script);
            error = $"{failure.Mapping}{(failure.Line is null ? "" : $":{failure.Line}:{failure.Column}")}: the top-level code failed: {failure.Message}";
            return null;
        }
        if (map is not Function)
        {
            error = $"{name}: does not define a function map(event, ctx)";
            return null;
        }
        error = null;
        return new CompiledMapping(name, filePath, script);
    }
}
