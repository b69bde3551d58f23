using Acornima.Ast;
using Jint;

namespace Bridge.Mappings;

/// <summary>One mapping script, parsed once; the prepared script is immutable and shared by every run on every thread.</summary>
/// <param name="name">How errors and logs name it: the file name as the rule wrote it, or <c>(default)</c> for the built-in mapping.</param>
/// <param name="filePath">The full path it was read from; null for the built-in mapping.</param>
public sealed class CompiledMapping(string name, string? filePath, Prepared<Script> script)
{
    /// <summary>The name of the built-in mapping used by rules that name none.</summary>
    public const string DefaultName = "(default)";

    public string Name { get; } = name;
    public string? FilePath { get; } = filePath;
    public bool IsDefault => FilePath is null;
    internal Prepared<Script> Script { get; } = script;

    public override string ToString() => Name;
}
