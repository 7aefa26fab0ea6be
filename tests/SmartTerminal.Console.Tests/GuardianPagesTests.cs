using Microsoft.Playwright;
using static SmartTerminal.Console.Tests.ConsolePages;

namespace SmartTerminal.Console.Tests;

/// <summary>
/// A guardian in headless Chromium, on a phone-sized screen, against the real console, PolicyService
/// and InfluxDB: signs in with a token, sees the child's day and whether the device runs its rules,
/// switches to English, and meets a clear error for a bad token. Every page is checked with axe.
/// </summary>
public sealed class GuardianPagesTests(ConsoleStack stack) : IClassFixture<ConsoleStack>
{
    [Fact]
    public async Task A_guardian_signs_in_and_sees_todays_use_and_when_the_device_applied_its_rules_in_Chinese_then_in_English()
    {
        var (device, token) = await stack.PairedDeviceAsync("guardian-mia", "小米");
        var page = await stack.PhoneAsync();

        await SignInAsync(page, token);
        var card = page.Locator($"li.card[data-device='{device.DeviceId}']");
        Assert.Equal("zh-CN", await page.Locator("html").GetAttributeAsync("lang"));
        Assert.Equal("小米", await card.Locator("h2").InnerTextAsync());
        Assert.Contains("等待同步", await card.Locator(".policy").InnerTextAsync());
        Assert.Equal("90 分钟", await card.Locator(".left").InnerTextAsync());

        var (minutes, version) = await stack.ReportAsync(device, token);
        await page.ReloadAsync();
        Assert.Equal($"{minutes} 分钟", await card.Locator(".used").InnerTextAsync());
        Assert.Equal($"{90 - minutes} 分钟", await card.Locator(".left").InnerTextAsync());
        Assert.Contains($"设备已应用第 {version} 版", await card.Locator(".policy").InnerTextAsync());
        Assert.Contains("Etc/UTC", await card.InnerTextAsync());
        await AssertAccessibleAsync(page);
        // For docs/screenshots (copied from the test output by hand when the page changes).
        await page.ScreenshotAsync(new() { Path = Screenshot("children-zh-CN.png"), FullPage = true });

        await page.SelectOptionAsync("#culture", "en");
        await page.GetByRole(AriaRole.Button, new() { Name = "切换" }).ClickAsync();
        await ArrivedAtAsync(page, "**/children");
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        Assert.Equal($"{minutes} min", await card.Locator(".used").InnerTextAsync());
        Assert.Contains($"version {version} applied on the device", await card.Locator(".policy").InnerTextAsync());
        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_token_the_service_refuses_or_that_is_not_a_token_gets_an_error_next_to_the_field_and_no_session()
    {
        var page = await stack.PhoneAsync();
        await page.GotoAsync("/children");
        Assert.EndsWith("/signin?ReturnUrl=%2Fchildren", page.Url);
        await AssertAccessibleAsync(page);

        await page.ScreenshotAsync(new() { Path = Screenshot("signin-zh-CN.png"), FullPage = true });
        await page.FillAsync("#token", "not-a-token");
        await page.Locator("main button[type=submit]").ClickAsync();
        Assert.Contains("这不是访问令牌", await page.Locator("#token-error").InnerTextAsync());
        Assert.Equal("true", await page.Locator("#token").GetAttributeAsync("aria-invalid"));

        // Well-formed, but signed by nobody the service trusts.
        var forged = "eyJhbGciOiJIUzI1NiJ9." + Convert.ToBase64String("{\"sub\":\"mallory\",\"role\":\"guardian\"}"u8.ToArray()).TrimEnd('=') + ".c2lnbmF0dXJl";
        await page.FillAsync("#token", forged);
        await page.Locator("main button[type=submit]").ClickAsync();
        Assert.Contains("服务拒绝了此令牌", await page.Locator("#token-error").InnerTextAsync());
        await AssertAccessibleAsync(page);

        await page.GotoAsync("/children");
        Assert.Contains("/signin", page.Url);
    }

    [Fact]
    public async Task From_the_card_a_guardian_grants_extra_time_in_one_tap_and_gets_an_offline_code_in_grouped_digits()
    {
        var (device, token) = await stack.PairedDeviceAsync("guardian-ann", "安安");
        var page = await stack.PhoneAsync();
        await SignInAsync(page, token);

        await page.Locator($"li.card[data-device='{device.DeviceId}']").GetByRole(AriaRole.Link, new() { Name = "更多时间" }).ClickAsync();
        await ArrivedAtAsync(page, $"**/children/{device.DeviceId}/time");
        Assert.Equal("更多时间 · 安安", await page.Locator("h1").InnerTextAsync());
        await AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "+30 分钟" }).First.ClickAsync();
        var granted = await page.Locator("[role=status]").First.InnerTextAsync();
        Assert.StartsWith("今天已增加 30 分钟，有效至", granted);
        Assert.Contains("(Etc/UTC)", granted);

        await page.Locator("section[aria-labelledby=offline-heading]").GetByRole(AriaRole.Button, new() { Name = "+15 分钟" }).ClickAsync();
        var code = await page.Locator(".code").InnerTextAsync();
        Assert.Matches(@"^\d{4}( \d{1,4})+$", code);
        Assert.StartsWith("可增加 15 分钟", await page.Locator("[role=status]").Last.InnerTextAsync());
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("more-time-zh-CN.png"), FullPage = true });

        // Another guardian's device: the service says NotFound, the page says so.
        var (other, _) = await stack.PairedDeviceAsync("guardian-someone-else", "Other");
        await page.GotoAsync($"/children/{other.DeviceId}/time");
        Assert.Equal("这不是您的设备。", await page.Locator("[role=alert]").InnerTextAsync());
        Assert.Equal(0, await page.Locator("section").CountAsync());
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var (_, token) = await stack.PairedDeviceAsync("guardian-leo", "Leo");
        var page = await stack.PhoneAsync("en");
        await SignInAsync(page, token);
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await ArrivedAtAsync(page, "**/signin");
        await page.GotoAsync("/children");
        Assert.Contains("/signin", page.Url);
    }
}
