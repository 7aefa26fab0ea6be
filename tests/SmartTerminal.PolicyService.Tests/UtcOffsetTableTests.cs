using SmartTerminal.PolicyService.Policies;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>
/// The UTC-offset table a compiled policy carries, checked against the zone database itself: the offset
/// in force at the start, then every change at its exact minute, for zones with and without daylight
/// saving, half-hour and 45-minute offsets, and a 30-minute daylight-saving shift.
/// </summary>
public sealed class UtcOffsetTableTests
{
    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_zone_without_daylight_saving_has_one_entry_starting_at_the_issue_time()
    {
        var from = Utc("2026-11-28T17:12:45Z");

        var table = UtcOffsetTable.Compute("Asia/Shanghai", from, from.AddDays(60));

        var only = Assert.Single(table);
        Assert.Equal((from.ToUnixTimeSeconds(), 480), (only.FromUnix, only.OffsetMinutes));
    }

    [Fact]
    public void Los_Angeles_springs_forward_at_10_00_UTC_on_8_March_2026_to_the_minute()
    {
        var from = Utc("2026-02-20T09:30:17Z");

        var table = UtcOffsetTable.Compute("America/Los_Angeles", from, from.AddDays(60));

        Assert.Equal(
            [(from.ToUnixTimeSeconds(), -480), (Utc("2026-03-08T10:00:00Z").ToUnixTimeSeconds(), -420)],
            table.Select(t => (t.FromUnix, t.OffsetMinutes)));
    }

    [Fact]
    public void London_falls_back_at_01_00_UTC_on_25_October_2026()
    {
        var from = Utc("2026-10-01T00:00:00Z");

        var table = UtcOffsetTable.Compute("Europe/London", from, from.AddDays(60));

        Assert.Equal(
            [(from.ToUnixTimeSeconds(), 60), (Utc("2026-10-25T01:00:00Z").ToUnixTimeSeconds(), 0)],
            table.Select(t => (t.FromUnix, t.OffsetMinutes)));
    }

    [Theory]
    [InlineData("America/Los_Angeles", "2026-01-15T13:07:41Z", 400)]
    [InlineData("Europe/Berlin", "2026-03-01T00:00:00Z", 300)]
    [InlineData("Australia/Lord_Howe", "2026-03-20T05:55:00Z", 400)]
    [InlineData("Asia/Kolkata", "2026-06-01T12:00:00Z", 60)]
    [InlineData("Pacific/Chatham", "2026-03-01T08:00:59Z", 400)]
    [InlineData("America/Santiago", "2026-02-01T00:00:00Z", 400)]
    public void Every_minute_of_the_period_gets_the_offset_the_zone_database_gives(string zoneId, string start, int days)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var from = Utc(start);
        var until = from.AddDays(days);

        var table = UtcOffsetTable.Compute(zoneId, from, until);
        var again = UtcOffsetTable.Compute(zoneId, from, until);
        var fromScratch = UtcOffsetTable.ComputeUncached(zoneId, from, until);

        Assert.Equal(fromScratch.Select(t => (t.FromUnix, t.OffsetMinutes)), table.Select(t => (t.FromUnix, t.OffsetMinutes)));
        Assert.Equal(fromScratch.Select(t => (t.FromUnix, t.OffsetMinutes)), again.Select(t => (t.FromUnix, t.OffsetMinutes)));
        int TableOffset(DateTimeOffset at) => table.Last(t => t.FromUnix <= at.ToUnixTimeSeconds()).OffsetMinutes;
        int ZoneOffset(DateTimeOffset at) => (int)zone.GetUtcOffset(at.UtcDateTime).TotalMinutes;
        for (var at = from; at <= until; at = at.AddMinutes(15))
        {
            Assert.Equal(ZoneOffset(at), TableOffset(at));
        }

        foreach (var change in table.Skip(1))
        {
            var at = DateTimeOffset.FromUnixTimeSeconds(change.FromUnix);
            Assert.Equal(0, at.Second);
            Assert.Equal(ZoneOffset(at), change.OffsetMinutes);
            Assert.NotEqual(ZoneOffset(at.AddMinutes(-1)), change.OffsetMinutes);
        }

        Assert.Equal(table.Count, table.Select(t => t.FromUnix).Distinct().Count());
    }

    [Fact]
    public void Two_devices_issued_the_same_day_each_start_at_their_own_time_and_share_the_changes()
    {
        var morning = Utc("2026-03-01T08:00:00Z");
        var evening = Utc("2026-03-01T20:30:00Z");

        var first = UtcOffsetTable.Compute("America/New_York", morning, morning.AddDays(60));
        var second = UtcOffsetTable.Compute("America/New_York", evening, evening.AddDays(60));

        Assert.Equal(morning.ToUnixTimeSeconds(), first[0].FromUnix);
        Assert.Equal(evening.ToUnixTimeSeconds(), second[0].FromUnix);
        Assert.Equal(first.Skip(1).Select(t => (t.FromUnix, t.OffsetMinutes)), second.Skip(1).Select(t => (t.FromUnix, t.OffsetMinutes)));
        Assert.Equal(Utc("2026-03-08T07:00:00Z").ToUnixTimeSeconds(), first[1].FromUnix);
    }

    [Fact]
    public void A_change_after_the_validity_period_is_left_out()
    {
        var from = Utc("2026-02-20T00:00:00Z");

        var table = UtcOffsetTable.Compute("America/Los_Angeles", from, Utc("2026-03-08T09:59:00Z"));

        Assert.Single(table);
    }
}
