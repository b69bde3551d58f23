using System.CommandLine;
using System.Text;
using Bridge.Configuration;
using Bridge.MappingTests;
using Bridge.Messages;

namespace Bridge.Cli;

/// <summary>
/// <c>bridge test</c>: runs the test cases kept next to the mappings (<c>mappings/tests/*.yaml</c>) and prints a diff for
/// each case that fails; exit 0 when all pass, 1 otherwise, so a user's CI can check their mappings.
/// </summary>
public static class TestCommand
{
    /// <summary>The folder, inside the mappings folder, where test files are looked for by default.</summary>
    public const string TestsFolder = "tests";

    private static readonly Argument<string[]> Paths = new("paths")
    {
        Description = "Test files or folders to run (default: the 'tests' folder in the mappings folder)",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<string?> MappingsDir = new("--mappings") { Description = "The mappings folder (default: the config's mappings_dir, else ./mappings)" };
    private static readonly Option<string?> Filter = new("--filter") { Description = "Run only the cases whose name contains this text" };

    public static Command Create()
    {
        var command = new Command("test", "Run the mapping tests (mappings/tests/*.yaml): payload in, expected ntfy JSON out; exit 1 with a diff on any failure")
        {
            MappingsDir, Filter, Paths,
        };
        command.SetAction(result => Run(result, Console.Out, Console.Error));
        return command;
    }

    public static int Run(ParseResult result, TextWriter output, TextWriter errors)
    {
        var (runtime, loaded) = LoadConfig(result.GetValue(BridgeCli.Config), errors);
        if (!loaded) return 1;
        var mappingsDirectory = Path.GetFullPath(result.GetValue(MappingsDir) ?? runtime?.Config.MappingsDirectory ?? "mappings");
        var given = result.GetValue(Paths) ?? [];
        var paths = given.Length > 0 ? given : [Path.Combine(mappingsDirectory, TestsFolder)];
        // The default folder not existing yet is "no tests", not a typo in a path the user gave.
        var files = given.Length == 0 && !Directory.Exists(paths[0]) ? [] : FindFiles(paths, errors);
        if (files is null) return 1;
        if (files.Count == 0)
        {
            errors.WriteLine($"error: no test files (*.yaml) in {string.Join(", ", paths.Select(Display))}; docs/mappings.md shows how to write one");
            return 1;
        }

        var filter = result.GetValue(Filter);
        var runner = new MappingTestRunner(runtime, mappingsDirectory);
        int passed = 0, failed = 0;
        foreach (var path in files)
        {
            var file = MappingTestReader.Read(path);
            output.WriteLine(Display(file.Path));
            foreach (var problem in file.Problems)
            {
                output.WriteLine($"  FAIL  {problem}");
                failed++;
            }
            foreach (var c in file.Cases)
            {
                if (filter is not null && !c.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
                var outcome = runner.Run(c);
                if (outcome.Passed)
                {
                    output.WriteLine($"  ok    {c.Name}");
                    passed++;
                }
                else
                {
                    PrintFailure(outcome, output);
                    failed++;
                }
            }
        }
        output.WriteLine();
        output.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 && passed > 0 ? 0 : 1;
    }

    private static (BridgeRuntime? Runtime, bool Ok) LoadConfig(string? configPath, TextWriter errors)
    {
        var source = ConfigSource.Resolve(configPath, Environment.GetEnvironmentVariable);
        // Without a config file of their own, tests run mappings only; the embedded sample's rules are no one's to test.
        if (source.IsEmbeddedSample) return (null, true);
        var result = source.Load(EnvInterpolator.FromProcess());
        if (result.Runtime is not null) return (result.Runtime, true);
        errors.WriteLine($"error: {source.Description} has {result.Errors.Count} problem{(result.Errors.Count == 1 ? "" : "s")}:");
        foreach (var error in result.Errors) errors.WriteLine($"  {error}");
        errors.WriteLine("hint: `bridge check` shows the same list; variables the config needs must be set (any value will do for tests)");
        return (null, false);
    }

    private static List<string>? FindFiles(string[] paths, TextWriter errors)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(Path.GetFullPath(path));
            }
            else if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*.*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Select(Path.GetFullPath)
                    .Order(StringComparer.Ordinal));
            }
            else
            {
                errors.WriteLine($"error: {Display(path)}: no such file or folder");
                return null;
            }
        }
        return files;
    }

    private static void PrintFailure(MappingTestResult outcome, TextWriter output)
    {
        const string Indent = "        ";
        output.WriteLine($"  FAIL  {outcome.Case.Name}  ({outcome.Subject}; line {outcome.Case.Line})");
        foreach (var problem in outcome.Problems) output.WriteLine($"{Indent}{problem}");
        foreach (var m in outcome.Mismatches)
        {
            output.WriteLine($"{Indent}{(m.Path.Length == 0 ? "result" : m.Path)}");
            output.WriteLine($"{Indent}  expected  {m.Expected}");
            if (m.Actual is not null) output.WriteLine($"{Indent}  actual    {Indented(m.Actual, Indent + "            ")}");
        }
        foreach (var note in outcome.Notes) output.WriteLine($"{Indent}note: {note}");
        foreach (var line in outcome.Logs) output.WriteLine($"{Indent}console: {line}");
        if (outcome.Problems.Count > 0) return;
        if (outcome.Messages.Count == 0)
        {
            output.WriteLine($"{Indent}nothing was sent");
            return;
        }
        output.WriteLine($"{Indent}sent{(outcome.Messages.Count == 1 ? "" : $" {outcome.Messages.Count} messages")}:");
        foreach (var message in outcome.Messages)
            output.WriteLine(Indent + "  " + Encoding.UTF8.GetString(NtfyMessageJson.ToUtf8(message, indented: true)).Replace("\n", "\n" + Indent + "  ", StringComparison.Ordinal));
    }

    private static string Indented(string text, string indent) => text.Replace("\n", "\n" + indent, StringComparison.Ordinal);

    private static string Display(string path)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? Path.GetFullPath(path) : relative;
    }
}
