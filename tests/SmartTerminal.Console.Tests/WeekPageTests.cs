using Microsoft.Playwright;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Testing;
using static SmartTerminal.Console.Tests.ConsolePages;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Console.Tests;

/// <summary>
/// The guardian's week in headless Chromium against the real service and InfluxDB: the daily total and
/// each category as a chart with its limit, days over it marked, the numbers as a table, the zone that
/// cuts the days and how fresh the data is.
/// </summary>
public sealed class WeekPageTests(ConsoleStack stack) : IClassFixture<ConsoleStack>
{
    [Fact]
    public async Task A_guardian_sees_the_week_per_category_against_its_limits_with_the_days_over_marked_and_as_a_table()
    {
        var (device, token) = await stack.PairedDeviceAsync("guardian-week", "周周");
        // Days cut in a zone where it is now about noon, so "yesterday afternoon" is yesterday whenever this runs.
        var zone = DayClear.MiddayZone();
        var (guardians, asGuardian) = stack.Guardian(token);
        await guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest
        {
            DeviceId = device.DeviceId,
            Settings = new PolicySettings
            {
                DailyMinutes = 60,
                TimeZone = zone,
                CategoryBudgets =
                {
                    new Wire.CategoryBudget { Category = Wire.AppCategory.Games, DailyMinutes = 30 },
                    new Wire.CategoryBudget { Category = Wire.AppCategory.Education, Unlimited = true, ExemptFromDailyTotal = true },
                },
            },
        }, asGuardian);
        var now = DateTimeOffset.UtcNow;
        // The watch vouches for its usage up to a bucket boundary ten minutes or less ago.
        var complete = DateTimeOffset.FromUnixTimeSeconds((now.ToUnixTimeSeconds() / 300 * 300) - 300);
        await stack.UploadAsync(
            device,
            new Wire.UplinkEnvelope { Sequence = 1, CreatedAtUnixMs = now.ToUnixTimeMilliseconds(), Usage = ConsoleStack.Usage(now.AddHours(-23), Wire.AppCategory.Games, 70) },
            new Wire.UplinkEnvelope { Sequence = 2, CreatedAtUnixMs = now.ToUnixTimeMilliseconds(), Usage = ConsoleStack.Usage(now.AddHours(-1), Wire.AppCategory.Reading, 20) },
            new Wire.UplinkEnvelope { Sequence = 3, CreatedAtUnixMs = now.ToUnixTimeMilliseconds(), Usage = ConsoleStack.Usage(now.AddHours(-2), Wire.AppCategory.Education, 15) },
            new Wire.UplinkEnvelope { Sequence = 4, CreatedAtUnixMs = now.ToUnixTimeMilliseconds(), Heartbeat = new Wire.Heartbeat { FirmwareVersion = "1.0.0", PolicyVersion = 1, ClockState = Wire.ClockState.Trusted, UsageCompleteThroughUnix = complete.ToUnixTimeSeconds() } });
        var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(zone));
        var today = DateOnly.FromDateTime(local.DateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var yesterday = DateOnly.FromDateTime(local.DateTime).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var page = await stack.PhoneAsync();
        await SignInAsync(page, token);
        await page.Locator($"li.card[data-device='{device.DeviceId}']").GetByRole(AriaRole.Link, new() { Name = "一周使用" }).ClickAsync();
        await ArrivedAtAsync(page, $"**/children/{device.DeviceId}/week");

        Assert.Equal("一周使用 · 周周", await page.Locator("h1").InnerTextAsync());
        var notes = await page.Locator("p.note").First.InnerTextAsync();
        Assert.Contains($"按 {zone} 时区计算日期", notes);
        var completeLocal = TimeZoneInfo.ConvertTime(complete, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime.ToString("g", new System.Globalization.CultureInfo("zh-CN"));
        Assert.Contains($"{completeLocal} 之前的使用已全部收到", notes);
        Assert.Contains("不计入每日合计：教育", await page.Locator("main").InnerTextAsync());

        var total = page.Locator("#chart-0");
        Assert.Equal("每日合计 每天上限 60 分钟", Squeezed(await total.Locator("figcaption").InnerTextAsync()));
        Assert.Equal(7, await total.Locator("g.day").CountAsync());
        Assert.Equal(1, await total.Locator("g.day.over").CountAsync());
        Assert.Equal("url(#chart-0-hatch)", await total.Locator("g.day.over rect").GetAttributeAsync("fill"));
        Assert.Equal("70▲", await total.Locator("g.day.over text.value").TextContentAsync());
        Assert.Equal("每日合计：7 天共 90 分钟，1 天超出上限。", await total.Locator("desc").TextContentAsync());

        // The table behind "show as table": closed at first, the same numbers once opened.
        Assert.False(await total.Locator("table").IsVisibleAsync());
        await total.GetByText("以表格显示").ClickAsync();
        Assert.True(await total.Locator("table").IsVisibleAsync());
        Assert.Equal(["70", "60", "超出 10 分钟"], await Cells(total, yesterday));
        Assert.Equal(["20", "60", "—"], await Cells(total, today));

        var games = page.Locator("#chart-1");
        Assert.Equal("游戏 每天上限 30 分钟", Squeezed(await games.Locator("figcaption").InnerTextAsync()));
        Assert.Equal(["70", "30", "超出 40 分钟"], await Cells(games, yesterday));
        Assert.Equal(["20", "无上限", "—"], await Cells(page.Locator("#chart-4"), today));
        Assert.Equal(["15", "无上限", "—"], await Cells(page.Locator("#chart-5"), today));
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("week-zh-CN.png"), FullPage = true });

        var english = await stack.PhoneAsync("en");
        await SignInAsync(english, token);
        await english.GotoAsync($"/children/{device.DeviceId}/week");
        Assert.Equal("Games limit 30 min a day", Squeezed(await english.Locator("#chart-1 figcaption").InnerTextAsync()));
        await english.Locator("#chart-1").GetByText("Show as table").ClickAsync();
        Assert.Equal(["70", "30", "40 min over"], await Cells(english.Locator("#chart-1"), yesterday));
        await AssertAccessibleAsync(english);
    }

    [Fact]
    public async Task Another_guardians_child_has_no_week_page_for_this_one()
    {
        var (_, token) = await stack.PairedDeviceAsync("guardian-week-own", "Own");
        var (other, _) = await stack.PairedDeviceAsync("guardian-week-other", "Other");
        var page = await stack.PhoneAsync();
        await SignInAsync(page, token);

        await page.GotoAsync($"/children/{other.DeviceId}/week");

        Assert.Equal("这不是您的设备。", await page.Locator("[role=alert]").InnerTextAsync());
        Assert.Equal(0, await page.Locator("figure").CountAsync());
    }

    private static async Task<string[]> Cells(ILocator chart, string day) =>
        [.. await chart.Locator($"tr[data-day='{day}'] td").AllTextContentsAsync()];

    private static string Squeezed(string text) => string.Join(' ', text.Split((char[])['\n', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
