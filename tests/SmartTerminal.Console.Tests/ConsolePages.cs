using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace SmartTerminal.Console.Tests;

/// <summary>What every browser test does: sign in, check a page with axe, keep a screenshot.</summary>
internal static class ConsolePages
{
    /// <summary>Where screenshots go (copied to docs/screenshots by hand when a page changes).</summary>
    public static string Screenshot(string name) => Path.Combine(AppContext.BaseDirectory, "screenshots", name);

    /// <summary>Signs in on the sign-in page and waits for the role's landing page.</summary>
    public static async Task SignInAsync(IPage page, string token, string landing = "/children")
    {
        await page.GotoAsync("/signin");
        await page.FillAsync("#token", token);
        await page.Locator("main button[type=submit]").ClickAsync();
        await ArrivedAtAsync(page, "**" + landing);
    }

    /// <summary>
    /// Waits until the page is at <paramref name="url"/> (a glob) and its heading is there: waiting for
    /// the load event timed out in CI more than once with the page shown and the network idle.
    /// </summary>
    public static async Task ArrivedAtAsync(IPage page, string url)
    {
        await page.WaitForURLAsync(url, new() { WaitUntil = WaitUntilState.Commit });
        await page.Locator("main h1").WaitForAsync();
    }

    public static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        Assert.True(result.Violations.Length == 0, string.Join("\n", result.Violations.Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => string.Join(" ", n.Target)))})")));
    }
}
