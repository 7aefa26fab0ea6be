using Microsoft.Playwright;
using SmartTerminal.Contracts.Api.V1;
using static SmartTerminal.Console.Tests.ConsolePages;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Console.Tests;

/// <summary>
/// The reports page in headless Chromium against the real service and InfluxDB: a manufacturer's fleet
/// of five watches reports denials and tampering on different days; the page charts them per day of the
/// chosen zone, with the totals and the usage groups (small ones left out and counted), for the
/// manufacturer and, typing the fleet's id, for an auditor.
/// </summary>
public sealed class ReportsPageTests(ConsoleStack stack) : IClassFixture<ConsoleStack>
{
    private const string Zone = "Asia/Shanghai";

    [Fact]
    public async Task Denials_and_tampering_are_charted_on_the_local_day_they_happened_and_usage_is_grouped_by_age_band()
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, shanghai).DateTime);
        // The service takes no record from before a day ahead of the unit's registration (just now), so
        // the events lie within the last day; which local days they fall on follows from their times.
        var earlier = DateTimeOffset.UtcNow.AddHours(-20);
        var later = DateTimeOffset.UtcNow.AddHours(-1);
        string DayOf(DateTimeOffset at) => Day(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, shanghai).DateTime));
        var (fleet, units, token) = await stack.FleetAsync("maker-reports", "儿童手表 R5", 5, "cn-minor-mode-2024");
        await stack.PairEachAsync(units);
        for (var i = 0; i < units.Count; i++)
        {
            var events = new Wire.EnforcementEventBatch();
            // Every watch: two curfew denials 20 hours ago; one of them also a budget denial an hour ago and a clock jump.
            events.Events.Add(Event(earlier, Wire.EnforcementEventKind.Denied, Wire.DecisionReason.Curfew));
            events.Events.Add(Event(earlier.AddMinutes(1), Wire.EnforcementEventKind.Denied, Wire.DecisionReason.Curfew));
            if (i == 0)
            {
                events.Events.Add(Event(later, Wire.EnforcementEventKind.Denied, Wire.DecisionReason.DailyBudget));
                events.Events.Add(new Wire.EnforcementEvent { AtUnix = later.AddMinutes(1).ToUnixTimeSeconds(), Kind = Wire.EnforcementEventKind.ClockTamper, Detail = 7_200 });
            }

            await stack.UploadAsync(
                units[i],
                new Wire.UplinkEnvelope { Sequence = 1, Usage = ConsoleStack.Usage(DateTimeOffset.UtcNow.AddHours(-3), Wire.AppCategory.Education, 20) },
                new Wire.UplinkEnvelope { Sequence = 2, Events = events });
        }

        var page = await stack.PhoneAsync();
        await SignInAsync(page, token, landing: "/fleets");
        await page.Locator($"li.card[data-fleet='{fleet.Id}']").GetByRole(AriaRole.Link, new() { Name = "统计报表" }).ClickAsync();
        await ArrivedAtAsync(page, "**/compliance/reports?fleet=*");
        await page.FillAsync("#from-day", Day(today.AddDays(-6)));
        await page.FillAsync("#to-day", Day(today));
        await page.SelectOptionAsync("#zone", Zone);
        await page.GetByRole(AriaRole.Button, new() { Name = "显示" }).ClickAsync();
        // The tables behind "show as table" are closed, hence their text content rather than what is shown.
        // The report, not the page's load event (see the compliance page's search).
        await page.Locator("#curfew").WaitForAsync();

        Assert.Contains($"zone={Uri.EscapeDataString(Zone)}", page.Url);
        Assert.Equal(7, await page.Locator("#curfew g.day").CountAsync());
        Assert.Equal("10", await page.Locator($"#curfew tr[data-day='{DayOf(earlier)}'] td").TextContentAsync());
        Assert.Equal("0", await page.Locator($"#curfew tr[data-day='{Day(today.AddDays(-3))}'] td").TextContentAsync());
        Assert.Equal("1", await page.Locator($"#budget tr[data-day='{DayOf(later)}'] td").TextContentAsync());
        Assert.Equal("1", await page.Locator($"#tamper tr[data-day='{DayOf(later)}'] td").TextContentAsync());
        Assert.Contains("按 Asia/Shanghai 时区计算日期", await page.Locator("#curfew figcaption").InnerTextAsync());
        Assert.StartsWith("7 天内共 10 次", await page.Locator("#curfew svg desc").TextContentAsync());
        Assert.Equal(("10", "1", "1"), (
            await page.Locator("td[data-total=curfew]").InnerTextAsync(),
            await page.Locator("td[data-total=budget]").InnerTextAsync(),
            await page.Locator("td[data-total=tamper-devices]").InnerTextAsync()));
        var group = page.Locator("table.usage-table tbody tr[data-category='5']");
        Assert.Equal(["8–12 岁", "教育", "5"], (await group.Locator("td, th").AllInnerTextsAsync()).Take(3));
        Assert.Equal("0 个分组未显示（少于 5 台设备）。", await page.Locator("p.suppressed").InnerTextAsync());
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("reports-zh-CN.png"), FullPage = true });

        // The same days as a CSV: the manufacturer's own export, checked against its SHA-256.
        await page.SelectOptionAsync("#export-kind", "DailyEnforcement");
        await page.GetByRole(AriaRole.Button, new() { Name = "导出", Exact = true }).ClickAsync();
        var result = page.Locator(".export-result");
        await result.WaitForAsync();
        Assert.StartsWith("已导出 ", await result.Locator("p").First.InnerTextAsync());
        Assert.Contains("已核对", await result.InnerTextAsync());
        var file = await page.Context.APIRequest.GetAsync((await result.GetByRole(AriaRole.Link).GetAttributeAsync("href"))!);
        Assert.Equal(200, file.Status);
        var bytes = await file.BodyAsync();
        Assert.Equal(await result.Locator(".sha").InnerTextAsync(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        var csv = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Contains($"{DayOf(earlier)},10,", csv);
        await AssertAccessibleAsync(page);

        // An auditor reads the same report by typing the fleet's id; in English, with the same numbers.
        var auditor = await stack.PhoneAsync("en");
        await SignInAsync(auditor, await stack.Service.TokenAsync("auditor", "auditor-reports"), landing: "/compliance");
        await auditor.GetByRole(AriaRole.Link, new() { Name = "Reports" }).ClickAsync();
        await auditor.FillAsync("#fleet", fleet.Id);
        await auditor.FillAsync("#from-day", Day(today.AddDays(-6)));
        await auditor.FillAsync("#to-day", Day(today));
        await auditor.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await auditor.Locator("#curfew").WaitForAsync();
        Assert.Equal("10", await auditor.Locator("td[data-total=curfew]").InnerTextAsync());
        Assert.Equal("Ages 8–12", await auditor.Locator("table.usage-table tbody tr[data-category='5'] td").First.InnerTextAsync());
        await AssertAccessibleAsync(auditor);
    }

    [Fact]
    public async Task A_period_too_long_or_a_fleet_that_is_not_there_is_said_next_to_the_form()
    {
        var auditor = await stack.PhoneAsync("en");
        await SignInAsync(auditor, await stack.Service.TokenAsync("auditor", "auditor-reports-bad"), landing: "/compliance");

        await auditor.GotoAsync("/compliance/reports?fleet=fl-x&from=2026-01-01&to=2026-03-01&zone=Asia%2FShanghai");
        Assert.Equal("At most 31 days on this page; use the export for longer periods.", await auditor.Locator(".error-summary li").InnerTextAsync());
        Assert.Equal("true", await auditor.Locator("#from-day").GetAttributeAsync("aria-invalid"));

        await auditor.GotoAsync("/compliance/reports?fleet=fl-does-not-exist");
        Assert.Equal("There is no such fleet.", await auditor.Locator("[role=alert]").InnerTextAsync());
        await AssertAccessibleAsync(auditor);

        // A guardian has no reports page.
        var (_, guardianToken) = await stack.PairedDeviceAsync("guardian-reports", "Reports");
        var guardian = await stack.PhoneAsync("en");
        await SignInAsync(guardian, guardianToken);
        await guardian.GotoAsync("/compliance/reports");
        Assert.Contains("/denied", guardian.Url);
    }

    private static Wire.EnforcementEvent Event(DateTimeOffset at, Wire.EnforcementEventKind kind, Wire.DecisionReason reason) =>
        new() { AtUnix = at.ToUnixTimeSeconds(), Kind = kind, Reason = (uint)reason, Subject = 7 };

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
