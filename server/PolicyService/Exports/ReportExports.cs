using System.Globalization;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Telemetry;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Exports;

/// <summary>The rows of one export: a header, the data rows (possibly read lazily) and how many groups were left out.</summary>
public sealed record ExportTable(string[] Header, IAsyncEnumerable<string[]> Rows, uint SuppressedGroups);

/// <summary>
/// The tables compliance teams export (design brief section 7): daily fleet usage by age band and
/// category with small groups left out, daily enforcement counts, and the audit log with its hashes.
/// Only aggregates of telemetry leave; device ids never appear.
/// </summary>
public sealed class ReportExports(UsageQueries queries, ComplianceReports reports, FleetAgeBands fleetBands, RegulationProfiles profiles, AuditLog audit, IOptions<ComplianceOptions> options)
{

    public async Task<ExportTable> DailyUsageAsync(string fleetId, string profileId, DateTimeOffset from, DateTimeOffset to, TimeSpan utcOffset, CancellationToken cancellationToken)
    {
        var bands = await fleetBands.OfAsync(fleetId, profileId);
        var ageBands = profiles.Find(profileId)!.AgeBands;
        var groups = (await queries.DailyTotalsAsync(fleetId, from, to, utcOffset, cancellationToken))
            .Where(t => bands.ContainsKey(t.Device))
            .GroupBy(t => (Day: t.Day!.Value, Band: bands[t.Device], t.Category))
            .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Band).ThenBy(g => g.Key.Category);
        var rows = new List<string[]>();
        uint suppressed = 0;
        foreach (var group in groups)
        {
            var minutes = MinutesPerDevice.Of(group.GroupBy(t => t.Device).Select(d => d.Sum(t => t.Seconds) / 60.0));
            if (minutes.Devices < options.Value.MinimumGroupSize)
            {
                suppressed++;
                continue;
            }

            var band = ageBands[group.Key.Band];
            rows.Add([
                Day(group.Key.Day), Number(group.Key.Band), $"{band.MinAge}-{band.MaxAge - 1}",
                Number(group.Key.Category), CategoryName(group.Key.Category),
                Number(minutes.Devices), Number(minutes.Mean), Number(minutes.P95),
            ]);
        }

        return new ExportTable(["day", "age_band", "ages", "category", "category_name", "devices", "mean_minutes", "p95_minutes"], rows.ToAsyncEnumerable(), suppressed);
    }

    public async Task<ExportTable> DailyEnforcementAsync(string fleetId, string profileId, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        // Only days with events (the API's series lists every day).
        var rows = (await reports.EnforcementByDayAsync(fleetId, profileId, from, to, zone, cancellationToken)).Days
            .Where(d => d.Totals != EnforcementTotals.None)
            .Select(d => new[]
            {
                Day(d.Day), Number(d.Totals.CurfewDenials), Number(d.Totals.BudgetDenials), Number(d.Totals.ClockTamperEvents),
                Number(d.Totals.RefusedPolicies), Number(d.Totals.OfflineCodesRedeemed), Number(d.Totals.DevicesWithTamper), Number(d.Totals.OtherDenials),
            })
            .ToList();
        return new ExportTable(["day", "curfew_denials", "budget_denials", "clock_tamper_events", "refused_policies", "offline_codes_redeemed", "devices_with_tamper", "other_denials"], rows.ToAsyncEnumerable(), 0);
    }

    /// <summary>The audit log of the period, read lazily; each row keeps its chain hash so the copy can be checked later.</summary>
    public ExportTable AuditLog(DateTimeOffset from, DateTimeOffset to) => new(
        ["sequence", "at", "actor", "action", "subject", "before_json", "after_json", "hash"],
        audit.BetweenAsync(from, to).Select(e => new[]
        {
            Number(e.Sequence), e.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            e.Actor, e.Action, e.Subject, e.BeforeJson, e.AfterJson, e.Hash,
        }),
        0);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Number<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    private static string CategoryName(uint category) =>
        Enum.IsDefined(typeof(Wire.AppCategory), (int)category) ? ((Wire.AppCategory)category).ToString().ToLowerInvariant() : "unknown";
}
