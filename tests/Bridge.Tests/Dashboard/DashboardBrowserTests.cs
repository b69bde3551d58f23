using Bridge.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Bridge.Tests.Dashboard;

/// <summary>
/// The dashboard in real headless Chromium against the real bridge, at a desktop and a phone-sized viewport. Each test
/// waits on what the page shows (Playwright's expectations), never on time, and saves a screenshot.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class DashboardBrowserTests(Chromium chromium)
{
    public static readonly TheoryData<string> Viewports = ["desktop", "phone"];

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task SigningInShowsAnEventArriveWithoutAReload(string viewport)
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(DashboardAccessTests.Config, ntfy);
        await using var context = await NewContextAsync(viewport);
        var page = await context.NewPageAsync();

        await page.GotoAsync(Url(bridge, "/admin/events"));
        await page.GetByLabel("Admin token").FillAsync(DashboardAccessTests.AdminToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Events" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("0 events");
        var loads = 0;
        page.Load += (_, _) => loads++;

        await bridge.PostHookAsync("authentik", DashboardAccessTests.LoginCarrying($"{7:x32}", "nothing secret"));

        var row = page.Locator($"tr[data-event='{7:x32}']");
        await Assertions.Expect(row).ToContainTextAsync("alice.admin");
        await Assertions.Expect(row).ToContainTextAsync("admin-login");
        await Assertions.Expect(row).ToContainTextAsync("delivered");
        Assert.Equal(0, loads);
        await page.ScreenshotAsync(new() { Path = Chromium.Screenshot($"events-live-{viewport}"), FullPage = true });
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task AnEventsPageSaysWhyARuleDidNotMatch(string viewport)
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(DashboardAccessTests.Config, ntfy);
        var id = $"{8:x32}";
        await bridge.PostHookAsync("authentik", DashboardAccessTests.LoginCarrying(id, "nothing secret"));
        await ntfy.WaitForMessagesAsync(1);
        await using var context = await NewContextAsync(viewport);
        var page = await SignedInAsync(context, bridge, "/admin/events");

        await page.Locator($"tr[data-event='{id}'] a").ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Event {id}" })).ToBeVisibleAsync();
        var failedLogin = page.Locator("tr[data-rule='failed-login']");
        await Assertions.Expect(failedLogin).ToContainTextAsync("not matched");
        await Assertions.Expect(failedLogin).ToContainTextAsync("login_failed");
        await Assertions.Expect(page.Locator("tr[data-rule='admin-login']")).ToContainTextAsync("matched");
        await Assertions.Expect(page.Locator(".card[data-message]")).ToContainTextAsync("delivered");
        await page.ScreenshotAsync(new() { Path = Chromium.Screenshot($"event-detail-{viewport}"), FullPage = true });
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task ThePlaygroundRunsAnEditedMappingOnAStoredEventAndShowsTheNtfyJson(string viewport)
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(DashboardAccessTests.Config, ntfy);
        var id = $"{9:x32}";
        await bridge.PostHookAsync("authentik", DashboardAccessTests.LoginCarrying(id, "nothing secret"));
        await ntfy.WaitForMessagesAsync(1);
        await using var context = await NewContextAsync(viewport);
        var page = await SignedInAsync(context, bridge, $"/admin/playground?event={id}&rule=admin-login");
        var script = page.GetByLabel("Script");
        await Assertions.Expect(script).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("function map"));

        await script.FillAsync("function map(event, ctx) {\n  console.log('edited for', event.user.username);\n  return { title: 'Edited: ' + event.user.username, tags: ['pencil'] };\n}\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run (sends nothing)" }).ClickAsync();

        var ntfyJson = page.Locator("#ntfy-json");
        await Assertions.Expect(ntfyJson).ToContainTextAsync("\"title\": \"Edited: alice.admin\"");
        await Assertions.Expect(ntfyJson).ToContainTextAsync("\"topic\": \"gauth\"");
        await Assertions.Expect(page.GetByText("edited for alice.admin")).ToBeVisibleAsync();
        Assert.Single(ntfy.Published);
        await page.ScreenshotAsync(new() { Path = Chromium.Screenshot($"playground-{viewport}"), FullPage = true });

        await script.FillAsync("function map(event, ctx) {\n  return { title: };\n}\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run (sends nothing)" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Go to line 2, column 19" })).ToBeVisibleAsync();
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task ADeadLetterIsReplayedFromItsListAndDelivered(string viewport)
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        await using var bridge = await BridgeTestHost.StartAsync(DashboardAccessTests.Config, ntfy);
        var id = $"{10:x32}";
        ntfy.FailNext(400, code: 40010, error: "invalid request: message too odd");
        await bridge.PostHookAsync("authentik", DashboardAccessTests.LoginCarrying(id, "nothing secret"));
        await bridge.Logs.WaitForMessageAsync("ntfy rejected message");
        await using var context = await NewContextAsync(viewport);
        var page = await SignedInAsync(context, bridge, "/admin/messages?status=dead");

        var row = page.Locator("tr[data-message]").Filter(new() { HasText = id });
        await Assertions.Expect(row).ToContainTextAsync("40010");
        await page.ScreenshotAsync(new() { Path = Chromium.Screenshot($"dead-letters-{viewport}"), FullPage = true });
        await row.GetByRole(AriaRole.Button, new() { Name = "Replay message" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("Replayed: it is pending again.");
        await ntfy.WaitForMessagesAsync(1);
        await page.GotoAsync(Url(bridge, $"/admin/events/{id}"));

        var message = page.Locator(".card[data-message]");
        await Assertions.Expect(message.Locator(".badge").First).ToHaveTextAsync("delivered");
        await Assertions.Expect(message).ToContainTextAsync("rejected");
        await page.ScreenshotAsync(new() { Path = Chromium.Screenshot($"replayed-{viewport}"), FullPage = true });
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task ADestinationHeldByNtfysDailyQuotaSaysSoAndUntilWhen(string viewport)
    {
        await using var ntfy = await FakeNtfy.StartAsync();
        ntfy.EnforceLimits(TimeProvider.System, dailyQuota: 1);
        await using var bridge = await BridgeTestHost.StartAsync(DashboardAccessTests.Config, ntfy);
        await bridge.PostHookAsync("authentik", DashboardAccessTests.LoginCarrying($"{11:x32}", "first"));
        await ntfy.WaitForMessagesAsync(1);
        await bridge.PostHookAsync("authentik", DashboardAccessTests.LoginCarrying($"{12:x32}", "second"));
        await bridge.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("HOLDING destination", StringComparison.Ordinal));
        await using var context = await NewContextAsync(viewport);
        var page = await SignedInAsync(context, bridge, "/admin/destinations");

        var row = page.Locator("tr[data-destination='ntfy']");
        await Assertions.Expect(row.Locator(".badge.holding")).ToHaveTextAsync("holding");
        await Assertions.Expect(row).ToContainTextAsync("daily message quota is used up");
        await Assertions.Expect(row).ToContainTextAsync("until");
        await page.ScreenshotAsync(new() { Path = Chromium.Screenshot($"destination-holding-{viewport}"), FullPage = true });
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task ASilenceInForceIsShownAboveThePageAndCanBeEndedThere(string viewport)
    {
        await using var bridge = await BridgeTestHost.StartAsync(DashboardAccessTests.Config);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/silences")
        {
            Content = new StringContent("""{"match": {"user": "bob"}, "for": "1h", "comment": "bob's laptop"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", DashboardAccessTests.AdminToken);
        using (var made = await bridge.Client.SendAsync(request)) made.EnsureSuccessStatusCode();
        await using var context = await NewContextAsync(viewport);
        var page = await SignedInAsync(context, bridge, "/admin/events");

        var silences = page.GetByRole(AriaRole.Region, new() { Name = "Silences in force" });
        await Assertions.Expect(silences).ToContainTextAsync("1 silence in force");
        await Assertions.Expect(silences).ToContainTextAsync("user=bob");
        await Assertions.Expect(silences).ToContainTextAsync("bob's laptop");
        await page.ScreenshotAsync(new() { Path = Chromium.Screenshot($"silence-{viewport}"), FullPage = true });
        await silences.GetByRole(AriaRole.Button).ClickAsync();

        await Assertions.Expect(silences.GetByRole(AriaRole.Status)).ToContainTextAsync("its events are sent again");
        await Assertions.Expect(silences.Locator("li")).ToHaveCountAsync(0);
        Assert.Empty(bridge.Services.GetRequiredService<Bridge.Silences.SilenceBook>().Active(DateTimeOffset.UtcNow));
    }

    private static async Task<IPage> SignedInAsync(IBrowserContext context, BridgeTestHost bridge, string path)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url(bridge, path));
        await page.GetByLabel("Admin token").FillAsync(DashboardAccessTests.AdminToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("main h1")).ToBeVisibleAsync();
        return page;
    }

    internal static string Url(BridgeTestHost bridge, string path) => new Uri(bridge.Client.BaseAddress!, path).ToString();

    internal Task<IBrowserContext> NewContextAsync(string viewport) => chromium.Browser.NewContextAsync(new BrowserNewContextOptions
    {
        ViewportSize = viewport == "phone" ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
        IsMobile = viewport == "phone",
        HasTouch = viewport == "phone",
    });
}
