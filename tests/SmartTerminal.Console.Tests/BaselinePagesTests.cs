using Grpc.Core;
using Microsoft.Playwright;
using SmartTerminal.Contracts.Api.V1;
using static SmartTerminal.Console.Tests.ConsolePages;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Console.Tests;

/// <summary>
/// A manufacturer changes a fleet's baseline in headless Chromium against the real service: sees the
/// national profile's value beside each of its own, is refused field by field when looser, reviews the
/// change before publishing, then watches the rollout reach the devices; two editors publishing from
/// the same revision do not overwrite each other.
/// </summary>
public sealed class BaselinePagesTests(ConsoleStack stack) : IClassFixture<ConsoleStack>
{
    private const string Profile = "cn-minor-mode-2024";

    // China's minor-mode profile lists the bands 0-3, 3-8, 8-12, 12-16 and 16-18: the third is 8-12.
    private const int EightToTwelve = 2;

    [Fact]
    public async Task A_manufacturer_is_refused_beyond_the_profile_reviews_the_change_publishes_it_and_watches_the_rollout()
    {
        var (fleet, units, token) = await stack.FleetAsync("maker-baseline", "儿童手表 B2", 2, Profile);
        // Both children are 10, in the band the change is about.
        await stack.PairEachAsync(units);

        var page = await stack.PhoneAsync();
        await SignInAsync(page, token, landing: "/fleets");
        await page.Locator($"li.card[data-fleet='{fleet.Id}']").GetByRole(AriaRole.Link, new() { Name = "基线", Exact = true }).ClickAsync();
        await ArrivedAtAsync(page, $"**/fleets/{fleet.Id}/baseline");

        var band = page.Locator("fieldset.band[data-band='8-12']");
        Assert.Equal("8–12 岁", await band.Locator("legend").InnerTextAsync());
        Assert.Equal("60 分钟", await page.Locator($"#band-{EightToTwelve}-daily-profile").InnerTextAsync());
        Assert.Equal("12 岁", await page.Locator($"#band-{EightToTwelve}-max-age-rating-profile").InnerTextAsync());
        Assert.Equal("不限", await page.Locator($"#band-{EightToTwelve}-max-daily-profile").InnerTextAsync());
        Assert.Equal("50 元", await page.Locator($"#band-{EightToTwelve}-max-per-purchase-profile").InnerTextAsync());
        Assert.Contains("22:00–06:00", await band.Locator("p.note").InnerTextAsync());
        Assert.Contains("尚未发布基线", await page.Locator("p.note").First.InnerTextAsync());
        await AssertAccessibleAsync(page);

        // Looser than the profile: the service refuses, the field says why in the reader's language.
        await page.FillAsync($"#band-{EightToTwelve}-max-daily", "90");
        await page.FillAsync($"#band-{EightToTwelve}-max-age-rating", "16");
        await page.FillAsync($"#band-{EightToTwelve}-max-per-purchase", "abc");
        await page.GetByRole(AriaRole.Button, new() { Name = "检查更改" }).ClickAsync();
        Assert.Equal("请输入金额（元），例如 50 或 12.5。", await page.Locator($"#band-{EightToTwelve}-max-per-purchase-error").InnerTextAsync());
        await page.FillAsync($"#band-{EightToTwelve}-max-per-purchase", "");
        await page.GetByRole(AriaRole.Button, new() { Name = "检查更改" }).ClickAsync();
        Assert.Equal(2, await page.Locator("table.changes tbody tr").CountAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "发布这些更改" }).ClickAsync();
        Assert.Equal("比国家规定（12 岁）宽松。", await page.Locator($"#band-{EightToTwelve}-max-age-rating-error").InnerTextAsync());
        Assert.Equal("true", await page.Locator($"#band-{EightToTwelve}-max-age-rating").GetAttributeAsync("aria-invalid"));
        Assert.Equal("16", await page.Locator($"#band-{EightToTwelve}-max-age-rating").InputValueAsync());
        Assert.Single(await page.Locator(".error-summary li").AllInnerTextsAsync());
        await AssertAccessibleAsync(page);
        var manufacturers = new ManufacturerService.ManufacturerServiceClient(stack.Service.Channel);
        var asMaker = new CallOptions(new Metadata { { "Authorization", "Bearer " + token } });
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(async () => await manufacturers.GetBaselineAsync(new GetBaselineRequest { FleetId = fleet.Id }, asMaker))).StatusCode);

        // A valid change: reviewed value by value, then published.
        await page.FillAsync($"#band-{EightToTwelve}-max-age-rating", "10");
        await page.GetByRole(AriaRole.Button, new() { Name = "检查更改" }).ClickAsync();
        var changes = page.Locator("table.changes tbody tr");
        Assert.Equal(["8–12 岁", "每日时长上限", "按国家规定", "90 分钟"], await changes.Nth(0).Locator("td, th").AllInnerTextsAsync());
        Assert.Equal(["8–12 岁", "应用年龄分级上限", "按国家规定", "10 岁"], await changes.Nth(1).Locator("td, th").AllInnerTextsAsync());
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("baseline-zh-CN.png"), FullPage = true });

        // Changed after the review: publishing shows the review again instead of publishing unseen values.
        await page.FillAsync($"#band-{EightToTwelve}-max-daily", "80");
        await page.GetByRole(AriaRole.Button, new() { Name = "发布这些更改" }).ClickAsync();
        Assert.Contains("检查之后数值又有改动", await page.Locator(".error-summary").InnerTextAsync());
        Assert.Equal("80 分钟", await page.Locator("table.changes tbody tr").Nth(0).Locator("td.after").InnerTextAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "发布这些更改" }).ClickAsync();
        await ArrivedAtAsync(page, $"**/fleets/{fleet.Id}/rollouts/ro-*");

        var stored = await manufacturers.GetBaselineAsync(new GetBaselineRequest { FleetId = fleet.Id }, asMaker);
        var storedBand = Assert.Single(stored.AgeBands);
        Assert.Equal((1ul, 8u, 12u, 80u, 10u), (stored.Revision, storedBand.MinAge, storedBand.MaxAge, storedBand.Limits.MaxDailyMinutes, storedBand.Limits.MaxAgeRating));
        var rollout = page.Locator("section.current-rollout");
        Assert.Equal("基线第 1 版", await rollout.Locator("h2").InnerTextAsync());
        Assert.Equal("本次发布共 2 台设备。", await rollout.Locator("p.note").First.InnerTextAsync());

        // The rollout publishes in the background; one device then reports the new policy.
        Assert.True(await ReloadUntilAsync(page, async () => await rollout.Locator(".state").InnerTextAsync() == "已发布到全部设备"));
        Assert.Equal("2 台（100%）", await rollout.Locator(".count.published").InnerTextAsync());
        Assert.Equal("0 台（0%）", await rollout.Locator(".count.applied").InnerTextAsync());
        var lagging = await manufacturers.ListLaggingDevicesAsync(new ListLaggingDevicesRequest { FleetId = fleet.Id }, asMaker);
        var desired = lagging.Devices.Single(d => d.DeviceId == units[0].DeviceId).DesiredVersion;
        await stack.UploadAsync(units[0], new Wire.UplinkEnvelope { Sequence = 1, Heartbeat = new Wire.Heartbeat { FirmwareVersion = "1.0.0", PolicyVersion = desired } });
        await Task.WhenAll(page.WaitForLoadStateAsync(), page.GetByRole(AriaRole.Link, new() { Name = "刷新" }).ClickAsync());
        Assert.True(await ReloadUntilAsync(page, async () => await rollout.Locator(".count.applied").InnerTextAsync() == "1 台（50%）"));
        Assert.Equal(1, await page.Locator($"li.card[data-rollout]").CountAsync());
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("rollout-zh-CN.png"), FullPage = true });

        // The form now starts from the published baseline.
        await page.GetByRole(AriaRole.Link, new() { Name = "修改基线" }).ClickAsync();
        Assert.Equal("80", await page.Locator($"#band-{EightToTwelve}-max-daily").InputValueAsync());
        Assert.Contains("第 1 版", await page.Locator("p.note").First.InnerTextAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "检查更改" }).ClickAsync();
        Assert.Equal("与已发布的基线相比没有更改。", await page.Locator(".review [role=status]").InnerTextAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "发布这些更改" }).CountAsync());
    }

    [Fact]
    public async Task Two_editors_publishing_from_the_same_revision_do_not_overwrite_each_other()
    {
        var (fleet, _, token) = await stack.FleetAsync("maker-baseline-two", "Two editors", 1, Profile);
        var first = await stack.PhoneAsync("en");
        var second = await stack.PhoneAsync("en");
        await SignInAsync(first, token, landing: "/fleets");
        await SignInAsync(second, token, landing: "/fleets");
        foreach (var (editor, minutes) in new[] { (first, "70"), (second, "50") })
        {
            await editor.GotoAsync($"/fleets/{fleet.Id}/baseline");
            await editor.FillAsync($"#band-{EightToTwelve}-max-daily", minutes);
            await editor.GetByRole(AriaRole.Button, new() { Name = "Review changes" }).ClickAsync();
        }

        await first.GetByRole(AriaRole.Button, new() { Name = "Publish these changes" }).ClickAsync();
        await ArrivedAtAsync(first, $"**/fleets/{fleet.Id}/rollouts/ro-*");
        await second.GetByRole(AriaRole.Button, new() { Name = "Publish these changes" }).ClickAsync();

        Assert.Contains("Someone else published a baseline meanwhile", await second.Locator(".error-summary").InnerTextAsync());
        Assert.Equal("70", await second.Locator($"#band-{EightToTwelve}-max-daily").InputValueAsync());
        await AssertAccessibleAsync(second);
        await second.FillAsync($"#band-{EightToTwelve}-max-daily", "50");
        await second.GetByRole(AriaRole.Button, new() { Name = "Review changes" }).ClickAsync();
        Assert.Equal("70 min", await second.Locator("table.changes td.before").InnerTextAsync());
        await second.GetByRole(AriaRole.Button, new() { Name = "Publish these changes" }).ClickAsync();
        await ArrivedAtAsync(second, $"**/fleets/{fleet.Id}/rollouts/ro-*");
        Assert.Equal("Baseline revision 2", await second.Locator("section.current-rollout h2").InnerTextAsync());
        Assert.Equal(["Baseline revision 2", "Baseline revision 1"], await second.Locator("li.card[data-rollout] h3").AllInnerTextsAsync());
    }

    [Fact]
    public async Task Another_manufacturers_fleet_has_no_baseline_or_rollouts_page_for_this_one()
    {
        var (own, _, token) = await stack.FleetAsync("maker-baseline-own", "Own", 0, Profile);
        var (theirs, _, theirToken) = await stack.FleetAsync("maker-baseline-theirs", "Theirs", 1, Profile);
        var theirRollout = (await new ManufacturerService.ManufacturerServiceClient(stack.Service.Channel).SetBaselineAsync(
            new SetBaselineRequest { FleetId = theirs.Id }, new CallOptions(new Metadata { { "Authorization", "Bearer " + theirToken } }))).Rollout.Id;
        var page = await stack.PhoneAsync();
        await SignInAsync(page, token, landing: "/fleets");

        // A hand-made post with a gap in the bands' indices is answered like any other, not with an error page.
        await page.GotoAsync($"/fleets/{own.Id}/baseline");
        var antiforgery = await page.Locator("form.baseline input[name=__RequestVerificationToken]").GetAttributeAsync("value");
        var crafted = await page.Context.APIRequest.PostAsync($"/fleets/{own.Id}/baseline", new()
        {
            Form = page.Context.APIRequest.CreateFormData()
                .Set("_handler", "baseline").Set("__RequestVerificationToken", antiforgery!).Set("Form.Revision", "0")
                .Set("Form.Step", "review").Set("Form.Bands[2].MinAge", "8").Set("Form.Bands[2].MaxAge", "12").Set("Form.Bands[2].Values[1]", "90"),
        });
        Assert.Equal(200, crafted.Status);

        await page.GotoAsync($"/fleets/{theirs.Id}/baseline");
        Assert.Equal("这不是您的设备批次。", await page.Locator("[role=alert]").InnerTextAsync());
        Assert.Equal(0, await page.Locator("form.baseline").CountAsync());
        await page.GotoAsync($"/fleets/{theirs.Id}/rollouts/{theirRollout}");
        Assert.Equal("这不是您的设备批次。", await page.Locator("[role=alert]").InnerTextAsync());
        await AssertAccessibleAsync(page);
    }

    private static async Task<bool> ReloadUntilAsync(IPage page, Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 120; attempt++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(250);
            await page.ReloadAsync();
        }

        return false;
    }
}
