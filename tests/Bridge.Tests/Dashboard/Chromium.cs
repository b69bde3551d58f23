using Microsoft.Playwright;

namespace Bridge.Tests.Dashboard;

/// <summary>
/// One headless Chromium for the browser tests: Debian's <c>/usr/bin/chromium</c> (which <c>.ci/run</c> installs),
/// driven by Playwright, which is never asked to download a browser of its own.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: under the test output, one file per test and viewport.</summary>
    public static string Screenshot(string name) => Path.Combine(AppContext.BaseDirectory, "screenshots", name + ".png");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ExecutablePath), $"{ExecutablePath} is missing: install Debian's chromium package (apt-get install -y chromium), as .ci/run does");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root in a container has no user namespace for Chromium's sandbox.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>Run alone, after the rest: a browser's CPU would otherwise push the sandbox's time limits in tests beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChromiumCollection : ICollectionFixture<Chromium>
{
    public const string Name = "chromium";
}
