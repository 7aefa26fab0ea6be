using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.Components.Charts;
using SmartTerminal.WebConsole.Guardians.Week;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Console.Tests;

/// <summary>The week model from usage rows, and its chart alone (bUnit).</summary>
public sealed class WeekChartTests : IDisposable
{
    private static readonly DateOnly Thursday = new(2026, 12, 3);
    private readonly BunitContext _context = new();
    private readonly CultureInfo _culture = CultureInfo.CurrentUICulture;

    public WeekChartTests() => _context.Services.AddLocalization(o => o.ResourcesPath = "Resources");

    public void Dispose()
    {
        CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = _culture;
        _context.Dispose();
    }

    private static UsageRow Row(string day, Wire.AppCategory category, uint seconds) => new() { Day = day, Category = (uint)category, UsedSeconds = seconds };

    [Fact]
    public void The_total_leaves_out_exempt_categories_follows_the_weekday_limits_and_counts_whole_minutes()
    {
        var settings = new PolicySettings
        {
            DailyMinutes = 60,
            WeekdayDailyMinutes = { 60, 60, 60, 45, 60, 120, 120 },
            CategoryBudgets =
            {
                new Wire.CategoryBudget { Category = Wire.AppCategory.Games, DailyMinutes = 30 },
                new Wire.CategoryBudget { Category = Wire.AppCategory.Education, Unlimited = true, ExemptFromDailyTotal = true },
            },
        };
        var rows = new[]
        {
            Row("2026-12-03", Wire.AppCategory.Reading, 50 * 60 + 59),
            Row("2026-12-03", Wire.AppCategory.Education, 40 * 60),
            Row("2026-11-29", Wire.AppCategory.Video, 10 * 60),
            Row("not-a-day", Wire.AppCategory.Video, 99 * 60),
        };

        var week = WeekOfUse.Build(Thursday, rows, settings);

        Assert.Equal(new DateOnly(2026, 11, 27), week.Days[0]);
        Assert.Equal([UseSeries.Total, 1u, 2u, 4u, 5u], week.Series.Select(s => s.Category));
        Assert.Equal([5u], week.ExemptCategories);
        var total = week.Series[0].Days;
        Assert.Equal((50, 45), (total[6].Minutes, total[6].LimitMinutes));
        Assert.True(total[6].Over);
        Assert.Equal((10, 120), (total[2].Minutes, total[2].LimitMinutes));
        // Games has a budget, so it is shown even unused; unlimited categories have no limit line.
        Assert.All(week.Series[1].Days, d => Assert.Equal((0, 30), (d.Minutes, d.LimitMinutes)));
        Assert.Null(week.Series[4].Days[6].LimitMinutes);
    }

    [Fact]
    public void The_chart_marks_days_over_the_limit_says_its_numbers_in_words_and_writes_invariant_svg_numbers()
    {
        // A language with a decimal comma: SVG coordinates must still use points.
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        CultureInfo.CurrentUICulture = new CultureInfo("en");
        var days = Enumerable.Range(0, 7).Select(i => new DayOfUse(Thursday.AddDays(i - 6), i == 5 ? 75 : 20, 60)).ToList();

        var chart = _context.Render<WeekChart>(p => p.Add(c => c.Id, "chart-9").Add(c => c.Title, "Games").Add(c => c.Series, new UseSeries(1, days)));

        var over = Assert.Single(chart.FindAll("g.day.over"));
        Assert.Equal("url(#chart-9-hatch)", over.QuerySelector("rect")!.GetAttribute("fill"));
        Assert.Equal("75▲", over.QuerySelector("text.value")!.TextContent);
        Assert.Equal("Games: 195 min over 7 days; days over the limit: 1.", chart.Find("desc").TextContent);
        Assert.Equal("limit 60 min a day", chart.Find(".chart-limit").TextContent);
        Assert.All(chart.FindAll("rect.use"), r => Assert.DoesNotContain(",", r.GetAttribute("x")));
        Assert.Equal(7, chart.FindAll("tbody tr").Count);
        Assert.Equal("15 min over", chart.Find("tr[data-day='2026-12-02'] td:last-child").TextContent);
    }
}
