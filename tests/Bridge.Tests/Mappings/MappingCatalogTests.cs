using Bridge.Configuration;
using Bridge.Mappings;

namespace Bridge.Tests.Mappings;

public sealed class MappingCatalogTests : IDisposable
{
    private readonly MappingTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private (MappingCatalog Catalog, List<ConfigError> Errors) Load(params RuleConfig[] rules)
    {
        var errors = new List<ConfigError>();
        return (MappingCatalog.Load(_kit.Config(null, rules), errors), errors);
    }

    [Fact]
    public void RulesSharingAFileCompileItOnce()
    {
        _kit.Write("a.js", "function map(e) { return { title: 'a' }; }");
        var (catalog, errors) = Load(MappingTestKit.Rule("a.js", 0), MappingTestKit.Rule("a.js", 1), MappingTestKit.Rule(null, 2));

        Assert.Empty(errors);
        Assert.Equal(["a.js"], catalog.Names);
        Assert.Same(catalog.For(MappingTestKit.Rule("a.js", 0)), catalog.For(MappingTestKit.Rule("a.js", 1)));
        Assert.Same(MappingCatalog.Default, catalog.For(MappingTestKit.Rule(null)));
    }

    [Fact]
    public void MissingFileIsAnErrorWithTheFullPath()
    {
        var (catalog, errors) = Load(MappingTestKit.Rule("nope.js", 3));
        var error = Assert.Single(errors);
        Assert.Equal("rules[3].mapping", error.Path);
        Assert.Equal($"file not found: {Path.Combine(_kit.Directory, "nope.js")}", error.Message);
        Assert.Null(catalog.For(MappingTestKit.Rule("nope.js")));
    }

    [Fact]
    public void SyntaxErrorNamesFileLineAndColumn()
    {
        _kit.Write("admin-login.js", "function map(event, ctx) {\n  return {;\n}\n");
        var (_, errors) = Load(MappingTestKit.Rule("admin-login.js", 1));
        var error = Assert.Single(errors);
        Assert.Equal("rules[1].mapping", error.Path);
        Assert.Equal("admin-login.js:2:11: Unexpected token ';'", error.Message);
    }

    [Fact]
    public void ABrokenFileSharedByTwoRulesIsReportedForEach()
    {
        _kit.Write("bad.js", "function map( {");
        var (_, errors) = Load(MappingTestKit.Rule("bad.js", 0), MappingTestKit.Rule("bad.js", 1));
        Assert.Equal(["rules[0].mapping", "rules[1].mapping"], errors.Select(e => e.Path));
    }

    [Theory]
    [InlineData("const x = 1;", "does not define a function map(event, ctx)")]
    [InlineData("var map = 42;", "does not define a function map(event, ctx)")]
    [InlineData("function mapp(e) { return null; }", "does not define a function map(event, ctx)")]
    [InlineData("\n\nthrow new Error('top level');", "x.js:3:7: the top-level code failed: top level")]
    [InlineData("while (true) {}", "the top-level code failed: statements")]
    // An object rest pattern whose value the sandbox cannot bound, and the names its guards reserve.
    [InlineData("function map(e) {\n  return (({ a, ...rest }) => rest)(e);\n}", "x.js:2:17: an object rest pattern ({ ...rest }) is allowed only directly in a declaration or an assignment")]
    [InlineData("function map(e) { for (const { ...r } of [e]) return r; }", "x.js:1:32: an object rest pattern")]
    [InlineData("function map(e) { const [{ ...r }] = [e]; return r; }", "x.js:1:28: an object rest pattern")]
    [InlineData("const $bridgeText = String; function map() { return null; }", "x.js: uses the name $bridgeText, which the sandbox reserves")]
    public void ScriptWithoutAMapFunctionIsAnError(string source, string expected)
    {
        _kit.Write("x.js", source);
        var error = Assert.Single(Load(MappingTestKit.Rule("x.js")).Errors);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapMayBeAnArrowFunctionInAConst()
    {
        _kit.Write("arrow.js", "const map = (event) => ({ title: event.action });");
        var (catalog, errors) = Load(MappingTestKit.Rule("arrow.js"));
        Assert.Empty(errors);
        var outcome = new MappingRunner(MappingLimitsConfig.Default).Run(catalog, MappingTestKit.Compiled(MappingTestKit.Rule("arrow.js")), MappingTestKit.Login(), MappingTestKit.Ctx);
        Assert.Equal("login", Assert.Single(outcome.Messages).Title);
    }

    [Fact]
    public void ForFileCompilesOneMappingWithoutAConfiguration()
    {
        var path = Path.Combine(_kit.Directory, _kit.Write("try.js", "function map(e) { return null; }"));
        var errors = new List<ConfigError>();
        var catalog = MappingCatalog.ForFile(path, errors);
        Assert.Empty(errors);
        var mapping = Assert.Single(catalog.Mappings);
        Assert.Equal(("try.js", path), (mapping.Name, mapping.FilePath));
        Assert.Same(mapping, catalog.Find("try.js"));
    }

    [Fact]
    public void ForFileReportsAMissingFile()
    {
        var errors = new List<ConfigError>();
        MappingCatalog.ForFile(Path.Combine(_kit.Directory, "missing.js"), errors);
        Assert.StartsWith("mapping: file not found: ", Assert.Single(errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheBuiltInDefaultMappingLoads()
    {
        Assert.True(MappingCatalog.Default.IsDefault);
        Assert.Equal(CompiledMapping.DefaultName, MappingCatalog.Default.Name);
    }
}
