using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using SmartTerminal.WebConsole.Compliance;
using SmartTerminal.WebConsole.Components.Charts;

namespace SmartTerminal.Console.Tests;

/// <summary>The reports page's query model and its per-day count chart alone (bUnit).</summary>
public sealed class DailyCountChartTests : IDisposable
{
    private readonly BunitContext _context = new();
    private readonly CultureInfo _culture = CultureInfo.CurrentUICulture;

    public DailyCountChartTests()
    {
        _context.Services.AddLocalization(o => o.ResourcesPath = "Resources");
        CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = new CultureInfo("en");
    }

    public void Dispose()
    {
        CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = _culture;
        _context.Dispose();
    }

    private static List<(DateOnly Day, long Count)> Days(params long[] counts) =>
        [.. counts.Select((c, i) => (new DateOnly(2026, 11, 1).AddDays(i), c))];

    [Fact]
    public void A_week_shows_every_day_labelled_with_its_count_on_a_round_axis_and_says_the_busiest_day()
    {
        var chart = _context.Render<DailyCountChart>(p => p
            .Add(c => c.Id, "curfew").Add(c => c.Title, "Curfew").Add(c => c.Zone, "Asia/Shanghai").Add(c => c.Days, Days(0, 3, 12, 0, 1, 0, 0)));

        Assert.Equal(7, chart.FindAll("g.day").Count);
        Assert.Equal(["0", "10", "20"], chart.FindAll("g.tick text").Select(t => t.TextContent));
        Assert.Equal("16 in 7 days; most on 11/3: 12.", chart.Find("desc").TextContent);
        Assert.Contains("Asia/Shanghai", chart.Find("figcaption").TextContent);
        Assert.Equal("12", chart.Find("tr[data-day='2026-11-03'] td").TextContent);
    }

    [Fact]
    public void A_month_labels_every_fifth_day_and_a_period_without_events_says_so()
    {
        var month = _context.Render<DailyCountChart>(p => p
            .Add(c => c.Id, "m").Add(c => c.Title, "T").Add(c => c.Zone, "Etc/UTC").Add(c => c.Days, Days([.. Enumerable.Repeat(0L, 30)])));

        Assert.Equal(30, month.FindAll("g.day").Count);
        // Bars only, no value labels at this width; a date under every fifth.
        Assert.Equal(6, month.FindAll("g.day text").Count);
        Assert.Equal("None in 30 days.", month.Find("desc").TextContent);
    }

    [Fact]
    public void The_query_fills_the_last_seven_whole_days_and_refuses_more_than_a_month_or_a_reversed_period()
    {
        var now = new DateTimeOffset(2026, 12, 3, 20, 0, 0, TimeSpan.Zero); // 04:00 on the 4th in Shanghai
        var query = ReportsQuery.From(" fl-1 ", null, null, null, now);
        Assert.Equal(("fl-1", "2026-11-27", "2026-12-03", "Asia/Shanghai"), (query.FleetId, query.FromDay, query.ToDay, query.TimeZone));
        var period = query.Period(out var errors)!.Value;
        Assert.Empty(errors);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 16, 0, 0, TimeSpan.Zero), period.From.ToDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 16, 0, 0, TimeSpan.Zero), period.To.ToDateTimeOffset());
        Assert.Equal("Asia/Shanghai", query.Enforcement(period).TimeZone);

        Assert.Null(ReportsQuery.From("fl-1", "2026-01-01", "2026-02-01", "Etc/UTC", now).Period(out errors));
        Assert.Equal("ReportsTooManyDays", errors["from-day"]);
        Assert.Null(ReportsQuery.From("", "2026-02-01", "2026-01-01", "Mars/Base", now).Period(out errors));
        Assert.Equal(["fleet", "from-day", "zone"], errors.Keys.Order());
    }
}
