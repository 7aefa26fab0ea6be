using Microsoft.Playwright;
using SmartTerminal.Contracts.Api.V1;
using static SmartTerminal.Console.Tests.ConsolePages;

namespace SmartTerminal.Console.Tests;

/// <summary>The guardian's history page in headless Chromium against the real service: what changed, by whom, when, in the reader's words.</summary>
public sealed class HistoryPageTests(ConsoleStack stack) : IClassFixture<ConsoleStack>
{
    [Fact]
    public async Task A_guardian_reads_who_changed_the_rules_and_granted_time_in_Chinese_and_in_English()
    {
        var (device, token) = await stack.PairedDeviceAsync("guardian-history", "历历");
        var (guardians, asGuardian) = stack.Guardian(token);
        await guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 40, MaxAgeRating = 8 } }, asGuardian);
        await guardians.GrantExtensionAsync(new GrantExtensionRequest { DeviceId = device.DeviceId, ExtraMinutes = 15 }, asGuardian);

        var page = await stack.PhoneAsync();
        await SignInAsync(page, token);
        await page.Locator($"li.card[data-device='{device.DeviceId}']").GetByRole(AriaRole.Link, new() { Name = "记录" }).ClickAsync();
        await ArrivedAtAsync(page, $"**/children/{device.DeviceId}/history");

        Assert.Equal("记录 · 历历", await page.Locator("h1").InnerTextAsync());
        Assert.Contains("Etc/UTC", await page.Locator("p.note").First.InnerTextAsync());
        Assert.Equal(
            ["guardian-history 在线加时 15 分钟", "guardian-history 修改了规则：每日时长、应用年龄分级", "guardian-history 成为监护人"],
            await page.Locator("ol.history .what").AllInnerTextsAsync());
        Assert.Equal(0, await page.Locator(".waiting").CountAsync());
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("history-zh-CN.png"), FullPage = true });

        var english = await stack.PhoneAsync("en");
        await SignInAsync(english, token);
        await english.GotoAsync($"/children/{device.DeviceId}/history");
        Assert.Equal("guardian-history changed the rules: daily minutes, app age rating", await english.Locator("li[data-kind=RulesChanged] .what").InnerTextAsync());
        await AssertAccessibleAsync(english);

        var (other, _) = await stack.PairedDeviceAsync("guardian-history-other", "Other");
        await page.GotoAsync($"/children/{other.DeviceId}/history");
        Assert.Equal("这不是您的设备。", await page.Locator("[role=alert]").InnerTextAsync());
    }
}
