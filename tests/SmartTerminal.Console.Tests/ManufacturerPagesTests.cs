using Microsoft.Playwright;
using SmartTerminal.Contracts.Api.V1;
using static SmartTerminal.Console.Tests.ConsolePages;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Console.Tests;

/// <summary>
/// A manufacturer in headless Chromium against the real service: the fleet's coverage, the lagging
/// devices filtered by reason, the same list as CSV; and each role kept to its own pages.
/// </summary>
public sealed class ManufacturerPagesTests(ConsoleStack stack) : IClassFixture<ConsoleStack>
{
    [Fact]
    public async Task A_manufacturer_sees_coverage_filters_the_lagging_devices_by_reason_and_downloads_them_as_CSV()
    {
        var (fleet, units, token) = await stack.FleetAsync("maker-console", "儿童手表 X1", 3);
        var desired = Wire.SignedPolicyEnvelope.Parser.ParseFrom(units[0].InitialPolicy).Version;
        // One unit runs its policy, one refuses it (a bad signature), one was never switched on.
        await stack.UploadAsync(units[0], new Wire.UplinkEnvelope { Sequence = 1, Heartbeat = new Wire.Heartbeat { FirmwareVersion = "1.0.0", PolicyVersion = desired } });
        await stack.UploadAsync(units[1], new Wire.UplinkEnvelope { Sequence = 1, PolicyAck = new Wire.PolicyAck { RefusedVersion = desired, Refusal = Wire.PolicyRefusal.BadMac } });

        var page = await stack.PhoneAsync();
        await SignInAsync(page, token, landing: "/fleets");
        var card = page.Locator($"li.card[data-fleet='{fleet.Id}']");
        Assert.Equal("儿童手表 X1", await card.Locator("h2").InnerTextAsync());
        Assert.Equal("1 台（33%）", await card.Locator("dd.current").InnerTextAsync());
        Assert.Equal("1 台（33%）", await card.Locator("dd.lagging").InnerTextAsync());
        Assert.Equal("1 台（33%）", await card.Locator("dd.never").InnerTextAsync());
        // Firmware as the heartbeats named it; the unit that refused sent no heartbeat, the third is off.
        Assert.Equal("固件版本：1.0.0（1 台）、未报告（2 台）", await card.Locator("p.firmware").InnerTextAsync());
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("fleets-zh-CN.png"), FullPage = true });

        await card.GetByRole(AriaRole.Link, new() { Name = "滞后设备" }).ClickAsync();
        await ArrivedAtAsync(page, $"**/fleets/{fleet.Id}/lagging");
        Assert.Equal(2, await page.Locator("tbody tr").CountAsync());
        Assert.Equal("尚未同步（未拒绝）", await page.Locator($"tr[data-device='{units[2].DeviceId}'] td").Last.InnerTextAsync());

        await page.SelectOptionAsync("#reason", "POLICY_REFUSAL_BAD_MAC");
        await page.GetByRole(AriaRole.Button, new() { Name = "筛选" }).ClickAsync();
        await page.Locator("select#reason option[value=POLICY_REFUSAL_BAD_MAC][selected]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        Assert.Contains("reason=POLICY_REFUSAL_BAD_MAC", page.Url);
        Assert.Equal([units[1].DeviceId], await page.Locator("tbody th").AllInnerTextsAsync());
        Assert.Equal("签名校验失败", await page.Locator("tbody td").Last.InnerTextAsync());
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("lagging-zh-CN.png"), FullPage = true });

        // The CSV link carries the filter; the download uses the session like the page.
        var href = await page.GetByRole(AriaRole.Link, new() { Name = "下载 CSV（按当前筛选）" }).GetAttributeAsync("href");
        var csv = await page.Context.APIRequest.GetAsync(href!);
        Assert.Equal(200, csv.Status);
        Assert.StartsWith("text/csv", csv.Headers["content-type"]);
        var body = await csv.BodyAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], body[..3]);
        var lines = System.Text.Encoding.UTF8.GetString(body[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("device_id,desired_version,reported_version,desired_since_utc,last_report_utc,last_refusal", lines[0]);
        var row = Assert.Single(lines[1..]).Split(',');
        Assert.Equal([units[1].DeviceId, desired.ToString(System.Globalization.CultureInfo.InvariantCulture), "0"], row[..3]);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", row[3]);
        Assert.Equal("POLICY_REFUSAL_BAD_MAC", row[5]);

        // Another manufacturer's fleet: not shown, not downloadable.
        var (theirs, _, _) = await stack.FleetAsync("maker-console-other", "Other", 1);
        await page.GotoAsync($"/fleets/{theirs.Id}/lagging");
        Assert.Equal("这不是您的设备批次。", await page.Locator("[role=alert]").InnerTextAsync());
        Assert.Equal(404, (await page.Context.APIRequest.GetAsync($"/fleets/{theirs.Id}/lagging.csv")).Status);
    }

    [Fact]
    public async Task Each_role_is_kept_to_its_own_pages()
    {
        var (_, _, makerToken) = await stack.FleetAsync("maker-roles", "Roles", 0);
        var maker = await stack.PhoneAsync("en");
        await SignInAsync(maker, makerToken, landing: "/fleets");
        Assert.Equal(["Fleets"], await maker.Locator("header nav a").AllInnerTextsAsync());
        await maker.GotoAsync("/children");
        Assert.Contains("/denied", maker.Url);
        Assert.Equal("Not for your role", await maker.Locator("h1").InnerTextAsync());
        await AssertAccessibleAsync(maker);

        var (device, guardianToken) = await stack.PairedDeviceAsync("guardian-roles", "Roles");
        var guardian = await stack.PhoneAsync("en");
        await SignInAsync(guardian, guardianToken);
        await guardian.GotoAsync("/fleets");
        Assert.Contains("/denied", guardian.Url);
        Assert.NotEqual(200, (await guardian.Context.APIRequest.GetAsync($"/fleets/any/lagging.csv", new() { MaxRedirects = 0 })).Status);

        var auditor = await stack.PhoneAsync("en");
        await SignInAsync(auditor, await stack.Service.TokenAsync("auditor", "auditor-roles"), landing: "/compliance");
        Assert.Equal(["Compliance"], await auditor.Locator("header nav a").AllInnerTextsAsync());
        await auditor.GotoAsync("/fleets");
        Assert.Contains("/denied", auditor.Url);
    }
}
