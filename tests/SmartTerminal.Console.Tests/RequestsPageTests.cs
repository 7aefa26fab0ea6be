using Google.Protobuf;
using Microsoft.Playwright;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Testing;
using static SmartTerminal.Console.Tests.ConsolePages;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Console.Tests;

/// <summary>
/// The guardians' inbox in headless Chromium against the real service: what the watch asked for shows
/// on the child's card and as a list, one tap answers it, the watch gets the time and the answer over
/// MQTT, and a guardian who answers what another already answered is told so.
/// </summary>
public sealed class RequestsPageTests(ConsoleStack stack) : IClassFixture<ConsoleStack>
{
    private static Wire.EnforcementEvent Asked(DateTimeOffset at, Wire.DecisionReason reason, uint subject, long detail = 0) =>
        new() { AtUnix = at.ToUnixTimeSeconds(), Kind = Wire.EnforcementEventKind.NeedsGuardian, Reason = (uint)reason, Subject = subject, Detail = detail };

    [Fact]
    public async Task A_guardian_answers_the_childs_requests_in_one_tap_and_the_watch_gets_the_answer()
    {
        var (device, token) = await stack.PairedDeviceAsync("guardian-inbox", "小满");
        // Asked after the pairing (what was asked before belongs to no family here).
        var now = DateTimeOffset.UtcNow;
        var askedAt = now.AddSeconds(1);
        await stack.UploadAsync(device, new Wire.UplinkEnvelope
        {
            Sequence = 1,
            CreatedAtUnixMs = now.ToUnixTimeMilliseconds(),
            Events = new Wire.EnforcementEventBatch
            {
                Events =
                {
                    Asked(askedAt, Wire.DecisionReason.DailyBudget, 0, detail: 40),
                    Asked(askedAt.AddSeconds(20), Wire.DecisionReason.DailyBudget, 0, detail: 40),
                    Asked(now.AddSeconds(2), Wire.DecisionReason.SpendingCap, 6_000),
                    Asked(now.AddSeconds(3), Wire.DecisionReason.ContactNotAllowed, 0),
                },
            },
        });
        await using var watch = await MqttTestClient.ConnectAsync(stack.Service.MqttPort, device.DeviceId, device.DeviceId, device.MqttPassword);
        await watch.SubscribeAsync($"st/v1/{device.DeviceId}/control");

        var page = await stack.PhoneAsync();
        await SignInAsync(page, token);
        await page.Locator($"li.card[data-device='{device.DeviceId}']").GetByRole(AriaRole.Link, new() { Name = "请求（3 条待答复）" }).ClickAsync();
        await ArrivedAtAsync(page, $"**/children/{device.DeviceId}/requests");
        Assert.Equal("请求 · 小满", await page.Locator("h1").InnerTextAsync());
        Assert.Equal(["想联系不在联系人名单上的号码", "想购买价值 60.00 元的东西", "想多用 40 分钟（每日合计）"], await page.Locator("li.request h3").AllInnerTextsAsync());
        var time = page.Locator("li.request[data-kind=MoreTime]");
        Assert.Contains("之后又问了 1 次。", await time.InnerTextAsync());
        Assert.Equal(["给 40 分钟", "给 15 分钟", "给 30 分钟", "给 60 分钟", "拒绝"], await time.GetByRole(AriaRole.Button).AllInnerTextsAsync());
        // The watch keeps the number to itself: a contact can only be turned down here.
        Assert.Equal(["拒绝"], await page.Locator("li.request[data-kind=Contact]").GetByRole(AriaRole.Button).AllInnerTextsAsync());
        await AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Screenshot("requests-zh-CN.png"), FullPage = true });

        // A second tab opened before the answer.
        var stale = await stack.PhoneAsync();
        await SignInAsync(stale, token);
        await stale.GotoAsync($"/children/{device.DeviceId}/requests");

        await time.GetByRole(AriaRole.Button, new() { Name = "给 30 分钟" }).ClickAsync();
        Assert.Equal("已同意：想多用 40 分钟（每日合计）。", await page.Locator("[role=status]").InnerTextAsync());
        Assert.Equal(2, await page.Locator("li.request").CountAsync());
        Assert.Contains("给了 30 分钟", await page.Locator("ul.requests-answered li[data-state=Approved]").InnerTextAsync());

        // The watch gets the time first, then the answer naming its request.
        var answered = await Eventually.TrueWithin(TimeSpan.FromSeconds(10), () => Task.FromResult(Controls(watch).Any(c => c.BodyCase == Wire.ControlMessage.BodyOneofCase.GuardianAnswer)));
        Assert.True(answered, $"the watch (connected: {watch.Client.IsConnected}) got [{string.Join(", ", Controls(watch).Select(c => c.BodyCase))}]; the service said:\n{Tail(stack.Service.Output)}");
        var controls = Controls(watch).Where(c => c.BodyCase is Wire.ControlMessage.BodyOneofCase.Extension or Wire.ControlMessage.BodyOneofCase.GuardianAnswer).ToList();
        Assert.Equal(30u, controls[0].Extension.ExtraMinutes);
        Assert.Equal(new Wire.GuardianAnswer { AskedAtUnix = askedAt.ToUnixTimeSeconds(), Reason = (uint)Wire.DecisionReason.DailyBudget, Approved = true }, controls[1].GuardianAnswer);

        await stale.Locator("li.request[data-kind=MoreTime]").GetByRole(AriaRole.Button, new() { Name = "拒绝" }).ClickAsync();
        Assert.Equal("这个请求已不再等待答复（另一位监护人已答复，或已失效）：想多用 40 分钟（每日合计）", await stale.Locator("[role=alert]").InnerTextAsync());
        Assert.Equal(0, await stale.Locator("li.request[data-kind=MoreTime]").CountAsync());

        await page.Locator("li.request[data-kind=Purchase]").GetByRole(AriaRole.Button, new() { Name = "拒绝" }).ClickAsync();
        Assert.Equal("已拒绝：想购买价值 60.00 元的东西。", await page.Locator("[role=status]").InnerTextAsync());
        Assert.Contains("guardian-inbox 于", await page.Locator("ul.requests-answered li[data-state=Declined]").InnerTextAsync());

        await page.GotoAsync($"/children/{device.DeviceId}/history");
        Assert.Contains("guardian-inbox 拒绝了请求：购买", await page.Locator("ol.history").First.InnerTextAsync());
        await page.GotoAsync($"/children/{device.DeviceId}/requests");

        // A hand-made answer that is none of the buttons is answered in words, not with an error page.
        var antiforgery = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var crafted = await page.Context.APIRequest.PostAsync($"/children/{device.DeviceId}/requests", new()
        {
            Form = page.Context.APIRequest.CreateFormData().Set("_handler", "answer").Set("__RequestVerificationToken", antiforgery!).Set("Answer.Choice", "rq-x:maybe:99999"),
        });
        Assert.Equal(200, crafted.Status);
        Assert.Contains("无法识别这个答复", System.Net.WebUtility.HtmlDecode(await crafted.TextAsync()));

        // In English too.
        var english = await stack.PhoneAsync("en-US");
        await SignInAsync(english, token);
        await english.GotoAsync($"/children/{device.DeviceId}/requests");
        Assert.Equal(["To reach a number that is not on the contact list"], await english.Locator("li.request h3").AllInnerTextsAsync());
        Assert.Contains("gave 30 minutes", await english.Locator("ul.requests-answered").InnerTextAsync());
    }

    private static string Tail(string log) => log[^Math.Min(log.Length, 8000)..];

    private static IEnumerable<Wire.ControlMessage> Controls(MqttTestClient watch) =>
        watch.Received.Select(m => Wire.ControlMessage.Parser.ParseFrom(System.Buffers.BuffersExtensions.ToArray(m.Payload)));
}
