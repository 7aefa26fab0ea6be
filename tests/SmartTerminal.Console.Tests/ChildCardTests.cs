using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using SmartTerminal.WebConsole.Components.Guardians;
using SmartTerminal.WebConsole.Guardians;

namespace SmartTerminal.Console.Tests;

/// <summary>The child card alone (bUnit): what it says in each language for each state of a device.</summary>
public sealed class ChildCardTests : IDisposable
{
    private readonly BunitContext _context = new();
    private readonly CultureInfo _culture = CultureInfo.CurrentUICulture;

    public ChildCardTests() => _context.Services.AddLocalization(o => o.ResourcesPath = "Resources");

    public void Dispose()
    {
        CultureInfo.CurrentUICulture = _culture;
        _context.Dispose();
    }

    private static ChildSummary Child(int? used = 30, int? limit = 90, ulong desired = 3, ulong reported = 3, DateTimeOffset? seen = null) =>
        new("st-0123456789abcdef", "Mia", Owner: true, "Asia/Shanghai", new DateOnly(2026, 12, 2), used, limit, desired, reported, seen);

    private IRenderedComponent<ChildCard> Render(ChildSummary child, string culture)
    {
        CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = new CultureInfo(culture);
        return _context.Render<ChildCard>(p => p.Add(c => c.Child, child));
    }

    [Fact]
    public void In_Chinese_a_device_in_sync_shows_its_minutes_the_version_and_the_zone_that_cuts_the_day()
    {
        var card = Render(Child(seen: new DateTimeOffset(2026, 12, 2, 3, 0, 0, TimeSpan.Zero)), "zh-CN");

        Assert.Equal("30 分钟", card.Find(".used").TextContent.Trim());
        Assert.Equal("60 分钟", card.Find(".left").TextContent.Trim());
        Assert.Equal("设备已应用第 3 版", card.Find(".policy").TextContent.Trim());
        Assert.Contains("ok", card.Find(".policy").ClassList);
        Assert.Contains("Asia/Shanghai", card.Markup);
        // 03:00 UTC is 11:00 in Beijing.
        Assert.Contains("11:00", card.Markup);
    }

    [Fact]
    public void In_English_a_device_behind_says_which_version_waits_and_which_it_runs()
    {
        var card = Render(Child(desired: 4, reported: 3), "en");

        Assert.Equal("version 4 waiting to sync (the device runs version 3)", card.Find(".policy").TextContent.Trim());
        Assert.Contains("waiting", card.Find(".policy").ClassList);
        Assert.Contains("never", card.Markup);
    }

    [Fact]
    public void Unknown_usage_and_no_limit_are_said_as_such_never_as_zero()
    {
        var unknown = Render(Child(used: null), "en");
        Assert.StartsWith("not known yet", unknown.Find(".used").TextContent.Trim());
        Assert.StartsWith("not known yet", unknown.Find(".left").TextContent.Trim());

        var unlimited = Render(Child(limit: null), "zh-CN");
        Assert.Equal("无每日限额", unlimited.Find(".left").TextContent.Trim());
        Assert.Equal(60 - 30, Child(used: 30, limit: 60).LeftMinutes);
        Assert.Equal(0, Child(used: 100, limit: 60).LeftMinutes);
    }
}
