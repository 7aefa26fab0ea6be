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
public sealed class ComplianceReports(UsageQueries queries, FleetAgeBands fleetBands, IOptions<ComplianceOptions> options)
{
    public bool Enabled => queries.Enabled;

    public async Task<UsageAggregate> UsageAsync(string fleetId, string profileId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var bands = await fleetBands.OfAsync(fleetId, profileId);
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

            shown.Add(new UsageGroup(group.Key.Band, group.Key.Category, perDevice.Devices, perDevice.Mean, perDevice.P95));
        }

        return new UsageAggregate(shown, options.Value.MinimumGroupSize, suppressed);
    }

    public async Task<EnforcementTotals> EnforcementAsync(string fleetId, string profileId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var devices = await fleetBands.OfAsync(fleetId, profileId);
        var counts = (await queries.EventCountsAsync(fleetId, from, to, cancellationToken)).Where(c => devices.ContainsKey(c.Device)).ToList();
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
