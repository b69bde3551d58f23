namespace Bridge.Mappings;

/// <summary>One mapping script, parsed once; the prepared script is immutable and shared by every run on every thread.</summary>
public sealed class CompiledMapping
{
    /// <param name="name">How errors and logs name it: the file name as the rule wrote it, or <c>(default)</c> for the built-in mapping.</param>
    /// <param name="filePath">The full path it was read from; null for the built-in mapping.</param>
    /// <param name="script">The source as the sandbox runs it.</param>
    internal CompiledMapping(string name, string? filePath, MappingScript script)
    {
        Name = name;
        FilePath = filePath;
        Script = script;
    }

    /// <summary>The name of the built-in mapping used by rules that name none.</summary>
    public const string DefaultName = "(default)";

    public string Name { get; }
    public string? FilePath { get; }
    public bool IsDefault => FilePath is null;
    internal MappingScript Script { get; }

    public override string ToString() => Name;
}
