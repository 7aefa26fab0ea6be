using System.Security.Cryptography;
using Microsoft.Playwright;
using SmartTerminal.Contracts.Api.V1;
using static SmartTerminal.Console.Tests.ConsolePages;

namespace SmartTerminal.Console.Tests;

/// <summary>
/// An auditor in headless Chromium against the real service: exports with the row count and a SHA-256
/// that matches the downloaded file, the audit chain verified, the log searched by subject.
/// </summary>
public sealed class CompliancePagesTests(ConsoleStack stack) : IClassFixture<ConsoleStack>
{
    private static string Today(int offset = 0) => DateTime.UtcNow.AddDays(offset).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_auditor_exports_with_a_checksum_that_matches_the_file_verifies_the_chain_and_searches_the_log()
    {
        var (device, guardianToken) = await stack.PairedDeviceAsync("guardian-audited", "Audited");
        var (guardians, asGuardian) = stack.Guardian(guardianToken);
        await guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 50 } }, asGuardian);

        var page = await stack.PhoneAsync();
        await SignInAsync(page, await stack.Service.TokenAsync("auditor", "auditor-console"), landing: "/compliance");
        Assert.Equal("合规", await page.Locator("h1").InnerTextAsync());
        await AssertAccessibleAsync(page);

        await page.SelectOptionAsync("#kind", "AuditLog");
        await page.FillAsync("#from-day", Today(-1));
        await page.FillAsync("#to-day", Today());
        await page.SelectOptionAsync("#zone", "Etc/UTC");
        await page.GetByRole(AriaRole.Button, new() { Name = "导出" }).ClickAsync();
        var result = page.Locator(".export-result");
        Assert.Matches(@"^已导出 [1-9]\d* 行", await result.Locator("p").First.InnerTextAsync());
        Assert.Contains("已核对", await result.InnerTextAsync());
        var shown = await result.Locator(".sha").InnerTextAsync();
        var href = await result.GetByRole(AriaRole.Link).GetAttributeAsync("href");
        var file = await page.Context.APIRequest.GetAsync(href!);
        Assert.Equal(200, file.Status);
        var bytes = await file.BodyAsync();
        Assert.Equal(shown, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Contains(device.DeviceId, System.Text.Encoding.UTF8.GetString(bytes));
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("compliance-zh-CN.png"), FullPage = true });

        // Another auditor's session cannot fetch this one's file.
        var other = await stack.PhoneAsync();
        await SignInAsync(other, await stack.Service.TokenAsync("auditor", "auditor-console-2"), landing: "/compliance");
        Assert.Equal(404, (await other.Context.APIRequest.GetAsync(href!)).Status);

        await page.GetByRole(AriaRole.Button, new() { Name = "校验审计链" }).ClickAsync();
        Assert.StartsWith("完整：已核对", await page.Locator("section[aria-labelledby=chain-heading] [role=status]").InnerTextAsync());

        await page.FillAsync("#subject", device.DeviceId);
        await page.GetByRole(AriaRole.Button, new() { Name = "查询" }).ClickAsync();
        // The results table, not the page's load event: once it failed to come in CI although the page had arrived.
        await page.Locator("td.action-name").First.WaitForAsync();
        Assert.Contains("subject=", page.Url);
        Assert.Contains("guardian-settings.set", await page.Locator("td.action-name").AllInnerTextsAsync());
        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_daily_export_needs_a_fleet_that_exists_and_says_so_next_to_the_field_in_English()
    {
        var page = await stack.PhoneAsync("en");
        await SignInAsync(page, await stack.Service.TokenAsync("auditor", "auditor-console-en"), landing: "/compliance");

        await page.FillAsync("#fleet", string.Empty);
        await page.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true }).ClickAsync();
        Assert.Equal("Give the fleet id.", await page.Locator("#fleet-error").InnerTextAsync());

        await page.FillAsync("#fleet", "fl-does-not-exist");
        await page.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true }).ClickAsync();
        Assert.Equal("There is no such fleet.", await page.Locator("#fleet-error").InnerTextAsync());
        Assert.Equal("true", await page.Locator("#fleet").GetAttributeAsync("aria-invalid"));

        var (fleet, _, _) = await stack.FleetAsync("maker-exported", "Exported", 2);
        await page.FillAsync("#fleet", fleet.Id);
        await page.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true }).ClickAsync();
        Assert.StartsWith("0 rows exported", await page.Locator(".export-result p").First.InnerTextAsync());
        await AssertAccessibleAsync(page);
    }
}
