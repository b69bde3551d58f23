using Bridge.Mappings;

namespace Bridge.Tests.Mappings;

/// <summary>The <c>bridge</c> global (helpers.js) every mapping can call, on the clock the run was given.</summary>
public sealed class HelperTests : IDisposable
{
    private static readonly MappingContext Ctx = MappingTestKit.Ctx with { Now = DateTimeOffset.Parse("2026-03-14T09:30:00Z", System.Globalization.CultureInfo.InvariantCulture) };

    private readonly MappingTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private string Eval(string expression, MappingContext? ctx = null)
    {
        var outcome = _kit.Run($"function map(event, ctx) {{ return {{ title: JSON.stringify({expression}) }}; }}", ctx: ctx ?? Ctx);
        Assert.Empty(outcome.Errors);
        return Assert.Single(outcome.Messages).Title!;
    }

    [Theory]
    [InlineData("bridge.place(event)", "\"Berlin, DE\"")]
    [InlineData("bridge.place(event.context)", "\"Berlin, DE\"")]
    [InlineData("bridge.place({ geo: { city: '', country: 'US' } })", "\"US\"")]
    [InlineData("bridge.place({ context: null })", "\"\"")]
    [InlineData("bridge.place(undefined)", "\"\"")]
    public void PlaceFormatsGeoIpAndIsEmptyWithout(string expression, string expected) => Assert.Equal(expected, Eval(expression));

    [Theory]
    [InlineData("'2026-03-14T09:29:50Z'", "just now")]
    [InlineData("'2026-03-14T09:25:00Z'", "5 minutes ago")]
    [InlineData("'2026-03-14T09:29:00Z'", "1 minute ago")]
    [InlineData("'2026-03-14T07:30:00Z'", "2 hours ago")]
    [InlineData("'2026-03-11T09:30:00Z'", "3 days ago")]
    [InlineData("'2026-03-14T12:30:00Z'", "in 3 hours")]
    [InlineData("'2025-03-14T09:30:00Z'", "1 year ago")]
    [InlineData("'2026-03-13T10:30:00Z'", "23 hours ago")]
    [InlineData("'2026-02-01T09:30:00Z'", "1 month ago")]
    [InlineData("'2026-02-28T09:30:00Z'", "2 weeks ago")]
    [InlineData("new Date(ctx.now)", "just now")]
    [InlineData("'not a date'", "")]
    [InlineData("null", "")]
    public void AgoIsRelativeToTheRunsClock(string when, string expected) => Assert.Equal($"\"{expected}\"", Eval($"bridge.ago({when})"));

    [Fact]
    public void AdminLinksNeedTheBaseUrl()
    {
        Assert.Equal("\"https://auth.example.com/if/admin/#/core/applications\"", Eval("bridge.adminUrl(ctx, 'core/applications')"));
        Assert.Equal("\"https://auth.example.com/if/admin/#/events/log/3f2b9c1d-7e8a-4b6c-9d0e-1f2a3b4c5d6e\"", Eval("bridge.eventUrl(ctx, event)"));
        Assert.Equal("\"https://auth.example.com/if/admin/#/identity/users/7\"", Eval("bridge.userUrl(ctx, event.user)"));
        // An id the bridge made (a version 7 UUID, for bodies without one) names no Authentik event: link the log.
        var generated = _kit.Run("function map(event, ctx) { return { title: bridge.eventUrl(ctx, event) }; }",
            MappingTestKit.Login() with { Id = Guid.CreateVersion7().ToString("N"), IdIsGenerated = true }, ctx: Ctx);
        Assert.Equal("https://auth.example.com/if/admin/#/events/log", Assert.Single(generated.Messages).Title);
        var noBase = Ctx with { BaseUrl = null };
        Assert.Equal("[null,null,null]", Eval("[bridge.adminUrl(ctx, '/x'), bridge.eventUrl(ctx, event), bridge.userUrl(ctx, 7)]", noBase));
    }

    [Fact]
    public void ActionsAreReadyForNtfy()
    {
        var outcome = _kit.Run("""
            function map(event, ctx) {
              return { title: 't', actions: [
                bridge.viewAction('Open event', bridge.eventUrl(ctx, event)),
                bridge.httpAction('Acknowledge', 'https://ops.example.com/ack', { body: { id: event.id }, headers: { 'X-Key': 'k' } }),
              ].filter(Boolean) };
            }
            """, ctx: Ctx);
        var actions = Assert.Single(outcome.Messages).Actions!;
        var expected = System.Text.Json.Nodes.JsonNode.Parse("""[{"action":"view","label":"Open event","url":"https://auth.example.com/if/admin/#/events/log/3f2b9c1d-7e8a-4b6c-9d0e-1f2a3b4c5d6e"},{"action":"http","label":"Acknowledge","url":"https://ops.example.com/ack","headers":{"X-Key":"k"},"body":"{\"id\":\"3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e\"}"}]""");
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(expected, actions), actions.ToJsonString());
        Assert.Equal("null", Eval("bridge.viewAction('Open', null)"));
    }

    [Theory]
    [InlineData("bridge.priority('alert')", "5")]
    [InlineData("bridge.priority('notice')", "3")]
    [InlineData("bridge.priority(null, 2)", "2")]
    [InlineData("bridge.browser('Mozilla/5.0 (X11; Linux x86_64; rv:139.0) Gecko/20100101 Firefox/139.0')", "\"Firefox 139 on Linux\"")]
    [InlineData("bridge.browser('python-requests/2.32.3')", "\"python-requests/2.32.3\"")]
    [InlineData("bridge.clip('abcdef', 4)", "\"abc…\"")]
    [InlineData("bridge.humanize('model_created')", "\"Model created\"")]
    [InlineData("bridge.uuid('3F2B9C1D7E8A4B6C9D0E1F2A3B4C5D6E')", "\"3f2b9c1d-7e8a-4b6c-9d0e-1f2a3b4c5d6e\"")]
    [InlineData("bridge.authentikEvent(event)", "null")]
    public void SmallFormattersDoWhatTheirNamesSay(string expression, string expected) => Assert.Equal(expected, Eval(expression));

    [Fact]
    public void AMappingMayDeclareItsOwnBridgeAndCannotBreakTheHelpersForTheNextRun()
    {
        var own = _kit.Run("const bridge = { place: () => 'mine' };\nfunction map(event) { return { title: bridge.place(event) }; }", ctx: Ctx);
        Assert.Equal("mine", Assert.Single(own.Messages).Title);

        var (catalog, rule) = _kit.Load("function map(event) { const before = bridge.place(event); try { bridge.place = () => 'x'; } catch (e) { } try { globalThis.bridge = null; } catch (e) { } try { delete globalThis.bridge; } catch (e) { } return { title: before }; }");
        var runner = new MappingRunner(Bridge.Configuration.MappingLimitsConfig.Default);
        Assert.Equal("Berlin, DE", Assert.Single(runner.Run(catalog, rule, MappingTestKit.Login(), Ctx).Messages).Title);
        Assert.Equal("Berlin, DE", Assert.Single(runner.Run(catalog, rule, MappingTestKit.Login(), Ctx).Messages).Title);
    }

    [Fact]
    public void TheClockDefaultsToTheRunnersTimeProvider()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2030-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture));
        var (catalog, rule) = _kit.Load("function map(event, ctx) { return { title: ctx.now + ' ' + new Date().getUTCFullYear() }; }");
        var outcome = new MappingRunner(Bridge.Configuration.MappingLimitsConfig.Default, time).Run(catalog, rule, MappingTestKit.Login(), MappingTestKit.Ctx);
        Assert.Equal("2030-01-02T03:04:05.000Z 2030", Assert.Single(outcome.Messages).Title);
    }
}
