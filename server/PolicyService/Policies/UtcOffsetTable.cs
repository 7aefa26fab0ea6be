using SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// The UTC-offset transitions of an IANA zone over a period, for the device, which has no zone
/// database (design brief section 3).
/// </summary>
public static class UtcOffsetTable
{
    public static IReadOnlyList<UtcOffsetTransition> Compute(string zoneId, DateTimeOffset from, DateTimeOffset until)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var transitions = new List<UtcOffsetTransition> { new() { FromUnix = from.ToUnixTimeSeconds(), OffsetMinutes = OffsetMinutes(zone, from) } };
        var previous = from;
        for (var probe = from.AddHours(1); probe <= until; probe = probe.AddHours(1))
        {
            if (OffsetMinutes(zone, probe) == transitions[^1].OffsetMinutes)
            {
                previous = probe;
                continue;
            }

            // Zones change offset on whole minutes: find the first minute with the new offset.
            var low = previous;
            var high = probe;
            while ((high - low) > TimeSpan.FromMinutes(1))
            {
                var middle = low + TimeSpan.FromMinutes(Math.Floor((high - low).TotalMinutes / 2));
                if (OffsetMinutes(zone, middle) == transitions[^1].OffsetMinutes)
                {
                    low = middle;
                }
                else
                {
                    high = middle;
                }
            }

            transitions.Add(new UtcOffsetTransition { FromUnix = high.ToUnixTimeSeconds(), OffsetMinutes = OffsetMinutes(zone, high) });
            previous = probe;
        }

        return transitions;
    }

    private static int OffsetMinutes(TimeZoneInfo zone, DateTimeOffset at) => (int)zone.GetUtcOffset(at.UtcDateTime).TotalMinutes;
}
