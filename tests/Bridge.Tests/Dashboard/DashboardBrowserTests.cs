using Bridge.Tests.Support;
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

    internal static string Url(BridgeTestHost bridge, string path) => new Uri(bridge.Client.BaseAddress!, path).ToString();

    internal Task<IBrowserContext> NewContextAsync(string viewport) => chromium.Browser.NewContextAsync(new BrowserNewContextOptions
    {
        ViewportSize = viewport == "phone" ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
        IsMobile = viewport == "phone",
        HasTouch = viewport == "phone",
    });
}
