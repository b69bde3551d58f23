using System.Text;
using Acornima.Ast;
using Jint;

namespace Bridge.Mappings;

/// <summary>
/// A mapping's source as the sandbox runs it. Jint evaluates template literals, <c>for…in</c>, object spread and object
/// rest in its interpreter, so one expression builds much from little with no built-in to guard and no limit checked
/// (on a 4M-character string: 32 <c>${s}</c> built 756 MB, <c>for (k in s)</c> 312 MB, <c>{...s}</c> 844 MB). At
/// compile time, once, each such place gets a call to a sandbox function in front of its operand: every substitution of
/// a template literal goes through <see cref="TextGuard"/>, the object of a <c>for…in</c>, a spread into an object
/// literal and the value an object rest pattern copies through <see cref="KeysGuard"/>. Jint offers no way to run a
/// rewritten syntax tree, so the source text is rewritten; <see cref="ToSource"/> maps positions back, so errors keep
/// pointing at the mapping's own line and column.
/// </summary>
internal sealed class MappingScript
{
    /// <summary>Converts a substitution to text, charging its length to the run's memory limit.</summary>
    public const string TextGuard = "$bridgeText";

    /// <summary>Refuses a value that has a key per character of a long string; returns its argument.</summary>
    public const string KeysGuard = "$bridgeKeys";

    // The whole file becomes the body of an arrow function that returns `map`: each run evaluates the top level afresh
    // in a scope of its own, and nothing it declares lands on the pooled engine's (frozen) global object.
    private const string Prefix = "(() => {";
    private const string Suffix = "\n;return typeof map === 'function' ? map : undefined;\n})()";

    private static readonly ScriptPreparationOptions ParseOnly = new() { StaticAnalysis = false };

    // Where text was inserted, by offset in the source, in source order, and how long it was.
    private readonly List<(int At, int Length)> _inserts;
    private readonly int[] _sourceLines;
    private readonly int[] _runLines;

    private MappingScript(Prepared<Script> prepared, List<(int At, int Length)> inserts, string source, string run)
    {
        Prepared = prepared;
        _inserts = inserts;
        _sourceLines = LineStarts(source);
        _runLines = LineStarts(run);
    }

    /// <summary>The script the sandbox evaluates; its value is the mapping's <c>map</c> function, or undefined.</summary>
    public Prepared<Script> Prepared { get; }

    /// <summary>
    /// Parses and rewrites <paramref name="source"/>. Throws what <see cref="Engine.PrepareScript"/> throws for a syntax
    /// error; returns null with the reason for a source the sandbox refuses.
    /// </summary>
    public static MappingScript? Create(string name, string source, out string? error)
    {
        // Parsed without Jint's analysis: this tree is only read for the places to guard.
        var parsed = Engine.PrepareScript(source, name, strict: true, ParseOnly).Program!;
        error = Refusal(name, source, parsed);
        if (error is not null) return null;

        var marks = Marks(parsed);
        var run = new StringBuilder(Prefix, source.Length + Prefix.Length + Suffix.Length + marks.Count * 8);
        var from = 0;
        foreach (var (at, text) in marks)
        {
            run.Append(source, from, at - from).Append(text);
            from = at;
        }
        run.Append(source, from, source.Length - from).Append(Suffix);
        var rewritten = run.ToString();
        var prepared = Engine.PrepareScript(rewritten, name, strict: true);
        // The source cannot close the wrapper and add statements of its own at the top level (they would run in the
        // pooled engine's global scope): it parsed on its own, so the wrapper must be all there is.
        if (prepared.Program!.Body is not [ExpressionStatement { Expression: CallExpression { Callee: ArrowFunctionExpression { Start: 1 } arrow, Arguments.Count: 0 } }]
            || arrow.End != rewritten.Length - 3)
        {
            error = $"{name}: the file does not stand alone as a script";
            return null;
        }
        List<(int At, int Length)> inserts = [(0, Prefix.Length), .. marks.Select(m => (m.At, m.Text.Length))];
        return new MappingScript(prepared, inserts, source, rewritten);
    }

    /// <summary>Where a position in the executed script (1-based line, 0-based column) is in the mapping's source.</summary>
    public (int Line, int Column) ToSource(int line, int column)
    {
        if (line < 1 || line > _runLines.Length) return (line, column);
        var offset = _runLines[line - 1] + column;
        // Each insert shifted what follows it; a position inside one is where it was inserted.
        var shift = 0;
        foreach (var (at, length) in _inserts)
        {
            if (offset - shift < at) break;
            if (offset - shift < at + length)
            {
                shift = offset - at;
                break;
            }
            shift += length;
        }
        var source = Math.Max(0, offset - shift);
        var l = Array.BinarySearch(_sourceLines, source);
        if (l < 0) l = ~l - 1;
        return (l + 1, source - _sourceLines[l]);
    }

    private static string? Refusal(string name, string source, Script parsed)
    {
        foreach (var reserved in new[] { TextGuard, KeysGuard })
        {
            if (source.Contains(reserved, StringComparison.Ordinal)) return $"{name}: uses the name {reserved}, which the sandbox reserves";
        }
        // An object rest pattern copies every own key of its value. Its value can be guarded only where a declaration or an
        // assignment gives it (`const { a, ...rest } = value`); anywhere else (parameters, nested patterns, for…of) the
        // sandbox could not bound it, so the mapping is refused with the place.
        var covered = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var node in Walk(parsed))
        {
            switch (node)
            {
                case VariableDeclarator { Id: ObjectPattern p, Init: not null }:
                    covered.Add(p);
                    break;
                case AssignmentExpression { Left: ObjectPattern p }:
                    covered.Add(p);
                    break;
                case ObjectPattern p when !covered.Contains(p) && p.Properties.Any(x => x is RestElement):
                    var rest = p.Properties.First(x => x is RestElement);
                    return $"{name}:{rest.Location.Start.Line}:{rest.Location.Start.Column + 1}: an object rest pattern ({{ ...rest }}) is allowed only directly in a declaration or an assignment (const {{ a, ...rest }} = value)";
            }
        }
        return null;
    }

    private static List<(int At, string Text)> Marks(Script script)
    {
        // (offset, closing?, order): at one offset, what closes comes before what opens, inner closings first.
        var marks = new List<(int At, bool Close, int Order, string Text)>();
        var tagged = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var order = 0;
        void Wrap(Node node, string guard)
        {
            order++;
            marks.Add((node.Start, false, order, guard + "("));
            marks.Add((node.End, true, -order, ")"));
        }

        foreach (var node in Walk(script))
        {
            switch (node)
            {
                case TaggedTemplateExpression t:
                    // A tag receives the parts as they are; String.raw, the one native tag that joins them, is removed.
                    tagged.Add(t.Quasi);
                    break;
                case TemplateLiteral template when !tagged.Contains(template):
                    foreach (var e in template.Expressions) Wrap(e, TextGuard);
                    break;
                case ForInStatement forIn:
                    Wrap(forIn.Right, KeysGuard);
                    break;
                case ObjectExpression o:
                    foreach (var p in o.Properties)
                    {
                        if (p is SpreadElement spread) Wrap(spread.Argument, KeysGuard);
                    }
                    break;
                case VariableDeclarator { Id: ObjectPattern p, Init: { } init } when HasRest(p):
                    Wrap(init, KeysGuard);
                    break;
                case AssignmentExpression { Left: ObjectPattern p, Right: var right } when HasRest(p):
                    Wrap(right, KeysGuard);
                    break;
            }
        }
        marks.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.Close != b.Close ? (a.Close ? -1 : 1) : a.Order.CompareTo(b.Order));
        return marks.ConvertAll(m => (m.At, m.Text));
    }

    private static bool HasRest(ObjectPattern p) => p.Properties.Any(x => x is RestElement);

    /// <summary>Every node in source order, parents before their children.</summary>
    private static IEnumerable<Node> Walk(Node root)
    {
        var pending = new Stack<Node>();
        pending.Push(root);
        while (pending.TryPop(out var node))
        {
            yield return node;
            var children = node.ChildNodes.ToList();
            for (var i = children.Count - 1; i >= 0; i--) pending.Push(children[i]);
        }
    }

    private static int[] LineStarts(string text)
    {
        // The line terminators Acornima counts: \n, \r not followed by \n, U+2028 and U+2029.
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\n' or '\u2028' or '\u2029' || (c == '\r' && (i + 1 == text.Length || text[i + 1] != '\n'))) starts.Add(i + 1);
        }
        return [.. starts];
    }
}
