using Microsoft.Playwright;
using SmartTerminal.Contracts.Api.V1;
using static SmartTerminal.Console.Tests.ConsolePages;

namespace SmartTerminal.Console.Tests;

/// <summary>
/// A guardian changes a child's rules in the browser: sees each field's bound and who sets it before
/// submitting, gets the service's refusal next to the fields it names, saves a valid change and sees
/// the device report it applied; two tabs saving at once do not overwrite each other.
/// </summary>
public sealed class RulesPageTests(ConsoleStack stack) : IClassFixture<ConsoleStack>
{
    // China's minor-mode profile (age band 8-12: curfew 22:00-06:00, age rating 12 at most), with the
    // manufacturer capping the day at 90 minutes.
    private static readonly AgeBandPolicy ManufacturerCap = new() { MinAge = 8, MaxAge = 12, Limits = new PolicyLimits { MaxDailyMinutes = 90 } };

    [Fact]
    public async Task A_guardian_sees_the_bounds_is_refused_beyond_them_field_by_field_then_saves_and_the_device_applies_it()
    {
        var (device, token) = await stack.PairedDeviceAsync("guardian-rui", "瑞瑞", "cn-minor-mode-2024", ManufacturerCap);
        var page = await stack.PhoneAsync();
        await SignInAsync(page, token);

        await page.Locator($"li.card[data-device='{device.DeviceId}']").GetByRole(AriaRole.Link, new() { Name = "修改规则" }).ClickAsync();
        await ArrivedAtAsync(page, $"**/children/{device.DeviceId}/rules");
        Assert.Equal("规则 · 瑞瑞", await page.Locator("h1").InnerTextAsync());
        Assert.Equal("上限 90 分钟，由设备制造商设定。", await page.Locator("#daily-hint .bound").InnerTextAsync());
        Assert.Contains("国家未成年人模式", await page.Locator("p.note").First.InnerTextAsync());
        Assert.Equal("上限 12 岁分级，由国家规定设定。", await page.Locator("#age-rating-hint .bound").InnerTextAsync());
        Assert.Equal("22:00–06:00 必须休息，由国家规定设定。", await page.Locator("#allowed-hint .bound").InnerTextAsync());
        Assert.Equal("留空则为：60 分钟", await page.Locator("#daily-hint .inherits").InnerTextAsync());
        await AssertAccessibleAsync(page);

        await page.FillAsync("#daily", "120");
        await page.FillAsync("#allowed", "07:00");
        await page.FillAsync("#allowed-to", "23:00");
        await page.FillAsync("#age-rating", "abc");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        // The console's own check first: a typo is answered without calling the service.
        Assert.Equal("请输入整数，例如 60。", await page.Locator("#age-rating-error").InnerTextAsync());

        await page.FillAsync("#age-rating", "16");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        Assert.Equal("超出上限。上限 90 分钟，由设备制造商设定。", await page.Locator("#daily-error").InnerTextAsync());
        Assert.StartsWith("超出上限。22:00–06:00 必须休息", await page.Locator("#allowed-error").InnerTextAsync());
        Assert.StartsWith("超出上限。上限 12 岁分级", await page.Locator("#age-rating-error").InnerTextAsync());
        Assert.Equal("true", await page.Locator("#daily").GetAttributeAsync("aria-invalid"));
        Assert.Equal("120", await page.Locator("#daily").InputValueAsync());
        Assert.Equal(3, await page.Locator(".error-summary li").CountAsync());
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("rules-refused-zh-CN.png"), FullPage = true });

        var (guardians, asGuardian) = stack.Guardian(token);
        Assert.Equal(0ul, (await guardians.GetGuardianSettingsAsync(new GetGuardianSettingsRequest { DeviceId = device.DeviceId }, asGuardian)).Revision);

        await page.FillAsync("#daily", "75");
        await page.FillAsync("#allowed", "07:00");
        await page.FillAsync("#allowed-to", "21:30");
        await page.FillAsync("#age-rating", "");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        var saved = await page.Locator("[role=status]").InnerTextAsync();
        var version = (await guardians.GetEffectivePolicyAsync(new GetEffectivePolicyRequest { DeviceId = device.DeviceId }, asGuardian)).DesiredVersion;
        Assert.StartsWith($"已保存。第 {version} 版规则正在发送到设备", saved);
        Assert.Equal("75", await page.Locator("#daily").InputValueAsync());
        var stored = (await guardians.GetGuardianSettingsAsync(new GetGuardianSettingsRequest { DeviceId = device.DeviceId }, asGuardian)).Settings;
        Assert.Equal(75u, stored.DailyMinutes);
        Assert.Equal((7u * 60, 21u * 60 + 30), (stored.AllowedWindows.Single().StartMinute, stored.AllowedWindows.Single().EndMinute));
        Assert.False(stored.HasMaxAgeRating);
        await page.ScreenshotAsync(new() { Path = Screenshot("rules-zh-CN.png"), FullPage = true });

        await page.GotoAsync("/children");
        var card = page.Locator($"li.card[data-device='{device.DeviceId}']");
        Assert.Contains("等待同步", await card.Locator(".policy").InnerTextAsync());
        var (_, reported) = await stack.ReportAsync(device, token);
        Assert.Equal(version, reported);
        await page.ReloadAsync();
        Assert.Contains($"设备已应用第 {version} 版", await card.Locator(".policy").InnerTextAsync());

        await page.SelectOptionAsync("#culture", "en");
        await page.GetByRole(AriaRole.Button, new() { Name = "切换" }).ClickAsync();
        await page.GotoAsync($"/children/{device.DeviceId}/rules");
        Assert.Equal("Limit 90 min, set by the device's manufacturer.", await page.Locator("#daily-hint .bound").InnerTextAsync());
        Assert.StartsWith("22:00–06:00 must stay off, set by national rules", await page.Locator("#allowed-hint .bound").InnerTextAsync());
        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Two_tabs_saving_from_the_same_revision_do_not_overwrite_each_other()
    {
        var (device, token) = await stack.PairedDeviceAsync("guardian-two-tabs", "Tabs", "cn-minor-mode-2024", ManufacturerCap);
        var first = await stack.PhoneAsync("en");
        var second = await stack.PhoneAsync("en");
        await SignInAsync(first, token);
        await SignInAsync(second, token);
        await first.GotoAsync($"/children/{device.DeviceId}/rules");
        await second.GotoAsync($"/children/{device.DeviceId}/rules");

        await first.FillAsync("#daily", "50");
        await second.FillAsync("#daily", "40");
        await first.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        Assert.StartsWith("Saved.", await first.Locator("[role=status]").InnerTextAsync());
        await second.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        Assert.Contains("Another guardian just changed the rules", await second.Locator(".error-summary").InnerTextAsync());
        Assert.Equal("50", await second.Locator("#daily").InputValueAsync());
        await second.FillAsync("#daily", "40");
        await second.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        Assert.StartsWith("Saved.", await second.Locator("[role=status]").InnerTextAsync());
        await AssertAccessibleAsync(second);
    }

    [Fact]
    public async Task Another_guardians_child_has_no_rules_page_for_this_one()
    {
        var (_, token) = await stack.PairedDeviceAsync("guardian-own", "Own");
        var (other, _) = await stack.PairedDeviceAsync("guardian-other", "Other");
        var page = await stack.PhoneAsync();
        await SignInAsync(page, token);

        await page.GotoAsync($"/children/{other.DeviceId}/rules");

        Assert.Equal("这不是您的设备。", await page.Locator("[role=alert]").InnerTextAsync());
        Assert.Equal(0, await page.Locator("form.rules").CountAsync());
    }
}
