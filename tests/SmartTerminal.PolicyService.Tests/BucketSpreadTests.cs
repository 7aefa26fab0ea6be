using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>Merged usage buckets spread over the slices they cover, in proportion, within the period asked.</summary>
public sealed class BucketSpreadTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_measured_merged_bucket_puts_at_most_a_day_on_any_day_and_loses_nothing()
    {
        var start = Monday.AddHours(13).AddMinutes(5);

        var pieces = BucketSpread.Over(start, 284_100, 93_834, DateTimeOffset.MinValue, DateTimeOffset.MaxValue).ToList();
        var perDay = pieces.GroupBy(p => DateOnly.FromDateTime(p.SliceStart.UtcDateTime)).Select(g => g.Sum(p => p.Seconds)).ToList();

        Assert.Equal(93_834, pieces.Sum(p => p.Seconds), 6);
        Assert.All(perDay, seconds => Assert.True(seconds <= 86_400));
        Assert.Equal(4, perDay.Count);
        Assert.All(pieces, p => Assert.Equal(0, p.SliceStart.UtcTicks % BucketSpread.Slice.Ticks));
    }

    [Theory]
    [InlineData(0, 24, 3600)]
    [InlineData(12, 24, 1800)]
    [InlineData(-12, 12, 1800)]
    [InlineData(30, 40, 0)]
    public void Only_the_part_inside_the_period_is_counted(int fromHour, int toHour, double expected)
    {
        // One hour of use spread evenly over a day.
        var pieces = BucketSpread.Over(Monday, 86_400, 3_600, Monday.AddHours(fromHour), Monday.AddHours(toHour));

        Assert.Equal(expected, pieces.Sum(p => p.Seconds), 6);
    }

    [Fact]
    public void A_bucket_not_on_the_slice_grid_shares_its_first_and_last_slice()
    {
        var pieces = BucketSpread.Over(Monday.AddMinutes(10), 1_800, 1_800, DateTimeOffset.MinValue, DateTimeOffset.MaxValue).ToList();

        Assert.Equal([300.0, 900.0, 600.0], pieces.Select(p => p.Seconds));
        Assert.Equal(Monday, pieces[0].SliceStart);
    }
}
