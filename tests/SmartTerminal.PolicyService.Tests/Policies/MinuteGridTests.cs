using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Policies;

namespace SmartTerminal.PolicyService.Tests.Policies;

/// <summary>Curfews subtracted from allowed windows, on a week of minutes: masks, midnight crossings, the week's wrap.</summary>
public sealed class MinuteGridTests
{
    private const uint EveryDay = 0x7F;
    private const uint Weekdays = 0x1F; // bit 0 = Monday
    private const uint Sunday = 0x40;

    private static TimeWindow W(uint mask, int fromHour, int toHour, int fromMinute = 0, int toMinute = 0) =>
        new() { WeekdayMask = mask, StartMinute = (uint)((fromHour * 60) + fromMinute), EndMinute = (uint)((toHour * 60) + toMinute) };

    public static TheoryData<TimeWindow[], TimeWindow[], TimeWindow[]> Subtractions => new()
    {
        // allowed, curfews, what remains
        { [W(EveryDay, 8, 20)], [W(EveryDay, 21, 7)], [W(EveryDay, 8, 20)] },
        { [W(EveryDay, 0, 24)], [W(EveryDay, 22, 6)], [W(EveryDay, 6, 22)] },
        { [W(EveryDay, 7, 23)], [W(Weekdays, 8, 16)], [W(Weekdays, 7, 8), W(Weekdays, 16, 23), W(0x60, 7, 23)] },
        { [W(EveryDay, 8, 20)], [W(EveryDay, 0, 24)], [] },
        { [W(Sunday, 20, 2)], [], [W(1, 0, 2), W(Sunday, 20, 24)] },
    };

    [Theory]
    [MemberData(nameof(Subtractions))]
    public void Subtracting_curfews_leaves_exactly_the_allowed_minutes_outside_them(TimeWindow[] allowed, TimeWindow[] curfews, TimeWindow[] expected)
    {
        var grid = MinuteGrid.Of(allowed);

        grid.Subtract(curfews);

        Assert.Equal(expected.OrderBy(w => (w.StartMinute, w.EndMinute, w.WeekdayMask)), grid.ToWindows().OrderBy(w => (w.StartMinute, w.EndMinute, w.WeekdayMask)));
    }

    [Theory]
    [InlineData(8, 20, 22, 6, false)]
    [InlineData(8, 23, 22, 6, true)]
    [InlineData(5, 9, 22, 6, true)]
    public void Windows_overlap_when_they_share_a_minute_also_across_midnight(int fromHour, int toHour, int curfewFrom, int curfewTo, bool overlaps)
    {
        Assert.Equal(overlaps, MinuteGrid.Of([W(EveryDay, fromHour, toHour)]).Overlaps(MinuteGrid.Of([W(EveryDay, curfewFrom, curfewTo)])));
    }

    [Fact]
    public void A_full_week_is_full_until_a_minute_is_taken()
    {
        var grid = MinuteGrid.FullWeek();
        var full = grid.IsFull;
        grid.Subtract([W(Sunday, 23, 23, 59, 60)]);

        Assert.True(full);
        Assert.False(grid.IsFull);
    }
}
