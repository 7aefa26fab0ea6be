using System.Collections.Concurrent;
using SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// The UTC-offset transitions of an IANA zone over a period, for the device, which has no zone
/// database (design brief section 3). Transitions are found by probing hourly from a UTC midnight and
/// bisecting to the exact minute; they are cached per zone, day and span, so a rollout to a fleet
/// computes each zone's transitions once instead of once per device.
/// </summary>
public static class UtcOffsetTable
{
    private const int MaxCachedTables = 1024;

    private static readonly ConcurrentDictionary<(string Zone, DateTime Day, int Days), UtcOffsetTransition[]> s_changes = new();

    /// <summary>The offset in force at <paramref name="from"/>, then every change up to <paramref name="until"/>.</summary>
    public static IReadOnlyList<UtcOffsetTransition> Compute(string zoneId, DateTimeOffset from, DateTimeOffset until) =>
        Compute(zoneId, from, until, cached: true);

    /// <summary>The same table computed from scratch (the baseline of the benchmark, and a check of the cache).</summary>
    public static IReadOnlyList<UtcOffsetTransition> ComputeUncached(string zoneId, DateTimeOffset from, DateTimeOffset until) =>
        Compute(zoneId, from, until, cached: false);

    private static List<UtcOffsetTransition> Compute(string zoneId, DateTimeOffset from, DateTimeOffset until, bool cached)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var day = from.UtcDateTime.Date;
        var days = (int)Math.Ceiling((until.UtcDateTime - day).TotalDays);
        if (s_changes.Count >= MaxCachedTables)
        {
            s_changes.Clear();
        }

        var changes = cached
            ? s_changes.GetOrAdd((zone.Id, day, days), key => Changes(zone, key.Day, key.Day.AddDays(key.Days)))
            : Changes(zone, day, day.AddDays(days));
        var fromUnix = from.ToUnixTimeSeconds();
        var untilUnix = until.ToUnixTimeSeconds();
        var table = new List<UtcOffsetTransition> { new() { FromUnix = fromUnix, OffsetMinutes = OffsetMinutes(zone, from.UtcDateTime) } };
        table.AddRange(changes.Where(c => c.FromUnix > fromUnix && c.FromUnix <= untilUnix));
        return table;
    }

    // Every change of offset in [start, end]: hourly probes, then bisection over whole minutes (zones
    // change offset on whole minutes), so each change is reported at its exact minute.
    private static UtcOffsetTransition[] Changes(TimeZoneInfo zone, DateTime start, DateTime end)
    {
        var changes = new List<UtcOffsetTransition>();
        var offset = OffsetMinutes(zone, start);
        for (var low = start; low < end; low = low.AddHours(1))
        {
            var high = low.AddHours(1);
            var next = OffsetMinutes(zone, high);
            if (next == offset)
            {
                continue;
            }

            // The offset at low is `offset`, at high `next`: find the first minute with the new offset.
            var before = low;
            var after = high;
            while ((after - before) > TimeSpan.FromMinutes(1))
            {
                var middle = before.AddMinutes(Math.Floor((after - before).TotalMinutes / 2));
                if (OffsetMinutes(zone, middle) == offset)
                {
                    before = middle;
                }
                else
                {
                    after = middle;
                }
            }

            changes.Add(new UtcOffsetTransition { FromUnix = new DateTimeOffset(after, TimeSpan.Zero).ToUnixTimeSeconds(), OffsetMinutes = OffsetMinutes(zone, after) });
            offset = next;
        }

        return [.. changes];
    }

    private static int OffsetMinutes(TimeZoneInfo zone, DateTime utc) => (int)zone.GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).TotalMinutes;
}
