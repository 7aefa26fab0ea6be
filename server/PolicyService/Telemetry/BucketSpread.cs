namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>
/// A usage record longer than a query slice (the device's outbox merges old records into coarse
/// buckets after days offline: one carried 93,834 s over 284,100 s) is spread over the 15-minute
/// slices it covers, in proportion to each slice's share of the bucket. Summed at the bucket's start
/// time it would put more than a day of use on one day.
/// </summary>
public static class BucketSpread
{
    public static readonly TimeSpan Slice = TimeSpan.FromMinutes(15);

    /// <summary>Records up to this long fit their slice and are summed by InfluxDB as they are.</summary>
    public const long SliceSeconds = 900;

    /// <summary>The longest bucket a device builds (UplinkValidation refuses longer ones): how far back a coarse query must reach.</summary>
    public static readonly TimeSpan LongestBucket = TimeSpan.FromDays(31);

    /// <summary>Each slice the bucket overlaps within [from, to), with the seconds that fall in it.</summary>
    public static IEnumerable<(DateTimeOffset SliceStart, double Seconds)> Over(DateTimeOffset bucketStart, long bucketSeconds, long usedSeconds, DateTimeOffset from, DateTimeOffset to)
    {
        if (bucketSeconds <= 0)
        {
            yield break;
        }

        var bucketEnd = bucketStart.AddSeconds(bucketSeconds);
        var perSecond = (double)usedSeconds / bucketSeconds;
        var sliceTicks = Slice.Ticks;
        var first = new DateTimeOffset(bucketStart.UtcTicks - (bucketStart.UtcTicks % sliceTicks), TimeSpan.Zero);
        for (var slice = first; slice < bucketEnd && slice < to; slice += Slice)
        {
            var start = Max(Max(slice, bucketStart), from);
            var end = Min(Min(slice + Slice, bucketEnd), to);
            if (end > start)
            {
                yield return (slice, (end - start).TotalSeconds * perSecond);
            }
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
