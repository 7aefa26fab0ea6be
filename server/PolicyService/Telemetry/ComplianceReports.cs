using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Registry;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>Options of the compliance reports.</summary>
public sealed class ComplianceOptions
{
    public const string Section = "Compliance";

    /// <summary>Groups with fewer devices are suppressed, so no child can be singled out (design brief section 7).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1000)]
    public int MinimumGroupSize { get; set; } = 5;
}

/// <summary>
/// Fleet aggregates for compliance teams: usage by age band and category, and enforcement counts.
/// Only aggregates leave: groups under the minimum size are suppressed and counted as such.
/// </summary>
public sealed class ComplianceReports(UsageQueries queries, FleetAgeBands fleetBands, Policies.RegulationProfiles profiles, IOptions<ComplianceOptions> options)
{
    public bool Enabled => queries.Enabled;

    public async Task<UsageAggregate> UsageAsync(string fleetId, string profileId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var bands = await fleetBands.OfAsync(fleetId, profileId);
        var ageBands = profiles.Find(profileId)?.AgeBands;
        var days = Math.Max(1.0, (to - from).TotalDays);
        var groups = (await queries.TotalsAsync(fleetId, from, to, cancellationToken))
            .Where(t => bands.ContainsKey(t.Device))
            .GroupBy(t => (Band: bands[t.Device], t.Category))
            .OrderBy(g => g.Key.Band).ThenBy(g => g.Key.Category);
        var shown = new List<UsageGroup>();
        var suppressed = 0;
        foreach (var group in groups)
        {
            var perDevice = MinutesPerDevice.Of(group.GroupBy(t => t.Device).Select(d => d.Sum(t => t.Seconds) / 60.0 / days));
            if (perDevice.Devices < options.Value.MinimumGroupSize)
            {
                suppressed++;
                continue;
            }

            var ages = ageBands?.ElementAtOrDefault(group.Key.Band);
            shown.Add(new UsageGroup(group.Key.Band, group.Key.Category, perDevice.Devices, perDevice.Mean, perDevice.P95, ages?.MinAge ?? 0, ages?.MaxAge ?? 0));
        }

        return new UsageAggregate(shown, options.Value.MinimumGroupSize, suppressed);
    }

    /// <summary>
    /// The period's totals and the counts of every local day it touches in the zone, days without events as
    /// zeros (so a chart of them has no gaps), from one query. InfluxDB groups by days of one offset (the
    /// zone's at the start): in a period across a daylight-saving change, events of the hour it moves are
    /// counted on the neighbouring day.
    /// </summary>
    public async Task<(EnforcementTotals Totals, IReadOnlyList<DailyEnforcement> Days)> EnforcementByDayAsync(
        string fleetId, string profileId, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var devices = await fleetBands.OfAsync(fleetId, profileId);
        var counts = (await queries.DailyEventCountsAsync(fleetId, from, to, zone.GetUtcOffset(from), cancellationToken))
            .Where(c => devices.ContainsKey(c.Device))
            .ToList();
        var byDay = counts.GroupBy(c => c.Day!.Value).ToDictionary(day => day.Key, Totals);
        var first = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, zone).DateTime);
        var last = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(to - TimeSpan.FromTicks(1), zone).DateTime);
        var days = new List<DailyEnforcement>();
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            days.Add(new DailyEnforcement(day, byDay.GetValueOrDefault(day) ?? EnforcementTotals.None));
        }

        return (Totals(counts), days);
    }

    private static EnforcementTotals Totals(IEnumerable<EventCount> events)
    {
        var counts = events.ToList();
        long Kind(Wire.EnforcementEventKind kind) => counts.Where(c => c.Kind == (int)kind).Sum(c => c.Count);
        return new EnforcementTotals(
            counts.Sum(c => c.CurfewDenials),
            counts.Sum(c => c.BudgetDenials),
            Kind(Wire.EnforcementEventKind.ClockTamper),
            Kind(Wire.EnforcementEventKind.PolicyRefused),
            Kind(Wire.EnforcementEventKind.CodeRedeemed),
            counts.Where(c => c.Kind == (int)Wire.EnforcementEventKind.ClockTamper && c.Count > 0).Select(c => c.Device).Distinct().Count(),
            counts.Sum(c => c.OtherDenials));
    }
}
