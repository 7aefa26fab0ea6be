using System.Globalization;
using Microsoft.Playwright;
using SmartTerminal.Contracts.Api.V1;
using static SmartTerminal.Console.Tests.ConsolePages;

namespace SmartTerminal.Console.Tests;

/// <summary>
/// Pairing and co-guardians in headless Chromium against the real service: the code from the box with
/// the birth month, the age band previewed before pairing, an invitation for a second guardian, and the
/// owner removing that guardian again.
/// </summary>
public sealed class PairingPageTests(ConsoleStack stack) : IClassFixture<ConsoleStack>
{
    private static readonly AgeBandPolicy Band8To12 = new() { MinAge = 8, MaxAge = 12, Limits = new PolicyLimits { MaxDailyMinutes = 90 } };

    private static string BirthMonthOfAge(int years) => DateTime.UtcNow.AddYears(-years).AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_guardian_previews_the_age_band_pairs_invites_a_co_guardian_and_removes_them_again()
    {
        var unit = await stack.RegisteredDeviceAsync("cn-minor-mode-2024", Band8To12);
        var mum = await stack.PhoneAsync();
        await SignInAsync(mum, await stack.Service.TokenAsync("guardian", "guardian-pair-mum"));
        await mum.GetByRole(AriaRole.Link, new() { Name = "添加孩子的设备" }).ClickAsync();
        await ArrivedAtAsync(mum, "**/children/pair");
        await AssertAccessibleAsync(mum);

        // As printed on the box, in groups and lower case: both are accepted.
        await mum.FillAsync("#code", CodeText(unit.PairingCode).ToLowerInvariant());
        await mum.FillAsync("#birth-month", BirthMonthOfAge(9));
        await mum.FillAsync("#child-name", "乐乐");
        await mum.GetByRole(AriaRole.Button, new() { Name = "预览规则" }).ClickAsync();
        var preview = await mum.Locator(".preview [role=status]").InnerTextAsync();
        Assert.StartsWith("孩子现在 9 岁：您将成为主监护人，设备按国家未成年人模式", preview);
        Assert.Contains("8–12 岁年龄段", preview);
        Assert.Contains("每日时长（分钟）：上限 90 分钟，由设备制造商设定。", await mum.Locator(".preview .bounds").InnerTextAsync());
        Assert.Contains("陌生人消息：必须关闭，由国家规定设定。", await mum.Locator(".preview .bounds").InnerTextAsync());
        // The preview kept what was typed, and the code is still unused.
        Assert.Equal("乐乐", await mum.Locator("#child-name").InputValueAsync());
        await AssertAccessibleAsync(mum);
        await mum.ScreenshotAsync(new() { Path = Screenshot("pair-zh-CN.png"), FullPage = true });

        await mum.GetByRole(AriaRole.Button, new() { Name = "确认配对" }).ClickAsync();
        Assert.Equal("已配对：乐乐。您是主监护人。", await mum.Locator("[role=status]").InnerTextAsync());
        await mum.GotoAsync("/children");
        var card = mum.Locator($"li.card[data-device='{unit.DeviceId}']");
        Assert.Equal("乐乐", await card.Locator("h2").InnerTextAsync());

        await card.GetByRole(AriaRole.Link, new() { Name = "监护人" }).ClickAsync();
        await ArrivedAtAsync(mum, $"**/children/{unit.DeviceId}/guardians");
        await mum.GetByRole(AriaRole.Button, new() { Name = "生成邀请码" }).ClickAsync();
        var invitation = (await mum.Locator(".code").InnerTextAsync()).Replace(" ", string.Empty, StringComparison.Ordinal);
        Assert.Equal(10, invitation.Length);
        Assert.Contains("邀请码一次有效", await mum.Locator("section [role=status]").InnerTextAsync());
        await AssertAccessibleAsync(mum);

        var dad = await stack.PhoneAsync();
        await SignInAsync(dad, await stack.Service.TokenAsync("guardian", "guardian-pair-dad"));
        await dad.GotoAsync("/children/pair");
        await dad.FillAsync("#code", invitation);
        await dad.GetByRole(AriaRole.Button, new() { Name = "预览规则" }).ClickAsync();
        Assert.StartsWith("您将作为共同监护人加入。孩子现在 9 岁", await dad.Locator(".preview [role=status]").InnerTextAsync());
        await dad.GetByRole(AriaRole.Button, new() { Name = "确认配对" }).ClickAsync();
        Assert.Equal($"已配对：{unit.DeviceId}。您是共同监护人。", await dad.Locator("[role=status]").InnerTextAsync());

        await dad.GotoAsync($"/children/{unit.DeviceId}/guardians");
        Assert.Equal(["guardian-pair-mum", "guardian-pair-dad（您）"], await dad.Locator(".guardians .who").AllInnerTextsAsync());
        Assert.Equal(["主监护人", "共同监护人"], await dad.Locator(".guardians .role").AllInnerTextsAsync());
        // A co-guardian may leave but not remove the owner, and issues no invitations.
        Assert.Equal(1, await dad.Locator(".guardians details").CountAsync());
        Assert.Equal(0, await dad.GetByRole(AriaRole.Button, new() { Name = "生成邀请码" }).CountAsync());

        await mum.ReloadAsync();
        var dadLine = mum.Locator("li[data-guardian='guardian-pair-dad']");
        await dadLine.GetByText("移除…").ClickAsync();
        await AssertAccessibleAsync(mum);
        await mum.ScreenshotAsync(new() { Path = Screenshot("guardians-zh-CN.png"), FullPage = true });
        await dadLine.GetByRole(AriaRole.Button, new() { Name = "确认移除" }).ClickAsync();
        Assert.Equal("已移除 guardian-pair-dad。", await mum.Locator("[role=status]").First.InnerTextAsync());
        Assert.Equal(["guardian-pair-mum（您）"], await mum.Locator(".guardians .who").AllInnerTextsAsync());

        await dad.GotoAsync("/children");
        Assert.Equal(0, await dad.Locator($"li.card[data-device='{unit.DeviceId}']").CountAsync());
    }

    [Fact]
    public async Task A_wrong_code_and_a_missing_birth_month_are_answered_next_to_their_fields_in_either_language()
    {
        var unit = await stack.RegisteredDeviceAsync();
        var page = await stack.PhoneAsync();
        await SignInAsync(page, await stack.Service.TokenAsync("guardian", "guardian-pair-typo"));
        await page.GotoAsync("/children/pair");

        await page.FillAsync("#code", "WRONG22222");
        await page.GetByRole(AriaRole.Button, new() { Name = "确认配对" }).ClickAsync();
        Assert.Equal("配对码无效、已使用或已过期。", await page.Locator("#code-error").InnerTextAsync());
        Assert.Equal("true", await page.Locator("#code").GetAttributeAsync("aria-invalid"));
        Assert.Equal("WRONG22222", await page.Locator("#code").InputValueAsync());
        await AssertAccessibleAsync(page);

        await page.FillAsync("#code", unit.PairingCode);
        await page.GetByRole(AriaRole.Button, new() { Name = "确认配对" }).ClickAsync();
        Assert.Equal("请选择孩子的出生年月（不能晚于本月）。", await page.Locator("#birth-month-error").InnerTextAsync());
        Assert.Equal(0, await page.Locator("#code-error").CountAsync());

        var english = await stack.PhoneAsync("en");
        await SignInAsync(english, await stack.Service.TokenAsync("guardian", "guardian-pair-typo-en"));
        await english.GotoAsync("/children/pair");
        await english.FillAsync("#code", unit.PairingCode);
        await english.FillAsync("#birth-month", BirthMonthOfAge(10));
        await english.GetByRole(AriaRole.Button, new() { Name = "Pair" }).ClickAsync();
        Assert.StartsWith("Paired: ", await english.Locator("[role=status]").InnerTextAsync());
        await AssertAccessibleAsync(english);
    }

    private static string CodeText(string code) => SmartTerminal.WebConsole.Guardians.CodeText.Grouped(code, 5);
}
