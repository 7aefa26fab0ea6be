using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Api.V1;
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

    public async Task<UsageReport> UsageAsync(string fleetId, string profileId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var bands = await fleetBands.OfAsync(fleetId, profileId);
        var days = Math.Max(1.0, (to - from).TotalDays);
        var groups = (await queries.TotalsAsync(fleetId, from, to, cancellationToken))
            .Where(t => bands.ContainsKey(t.Device))
            .GroupBy(t => (Band: bands[t.Device], t.Category))
            .OrderBy(g => g.Key.Band).ThenBy(g => g.Key.Category)
            .ToList();
        var report = new UsageReport { MinimumGroupSize = (uint)options.Value.MinimumGroupSize };
        foreach (var group in groups)
        {
            var perDevice = MinutesPerDevice.Of(group.GroupBy(t => t.Device).Select(d => d.Sum(t => t.Seconds) / 60.0 / days));
            if (perDevice.Devices < options.Value.MinimumGroupSize)
            {
                report.SuppressedGroups++;
                continue;
            }

            report.Rows.Add(new UsageReportRow
            {
                AgeBand = (uint)group.Key.Band,
                Category = group.Key.Category,
                Devices = (uint)perDevice.Devices,
                MeanDailyMinutes = perDevice.Mean,
                P95DailyMinutes = perDevice.P95,
            });
        }

        return report;
    }

    public async Task<EnforcementReport> EnforcementAsync(string fleetId, string profileId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var devices = await fleetBands.OfAsync(fleetId, profileId);
        var counts = (await queries.EventCountsAsync(fleetId, from, to, cancellationToken)).Where(c => devices.ContainsKey(c.Device)).ToList();
        long Kind(int kind) => counts.Where(c => c.Kind == kind).Sum(c => c.Count);
        return new EnforcementReport
        {
            CurfewDenials = (ulong)counts.Sum(c => c.CurfewDenials),
            BudgetDenials = (ulong)counts.Sum(c => c.BudgetDenials),
            ClockTamperEvents = (ulong)Kind(3),
            RefusedPolicies = (ulong)Kind(4),
            OfflineCodesRedeemed = (ulong)Kind(5),
            DevicesWithTamper = (uint)counts.Where(c => c.Kind == (int)Wire.EnforcementEventKind.ClockTamper && c.Count > 0).Select(c => c.Device).Distinct().Count(),
            OtherDenials = (ulong)counts.Sum(c => c.OtherDenials),
        };
    }
}
