using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Exports;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Application.Compliance;

/// <summary>The tables a compliance export can produce.</summary>
public enum ExportTableKind
{
    DailyUsage,
    DailyEnforcement,
    AuditLog,
}

/// <summary>A period of a report: [From, To).</summary>
public readonly record struct ReportPeriod(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// What compliance teams and auditors read: baseline coverage, fleet aggregates of telemetry (small
/// groups suppressed), exports, and the audit log with its signed checkpoints. Every read is audited;
/// an auditor may read any fleet, a manufacturer only its own.
/// </summary>
public sealed class ComplianceReading(
    FleetRegistry fleets, StateDatabase database, DevicePolicyStore policies, AuditLog audit, AuditCheckpoints checkpoints,
    AccessDenials denials, ComplianceReports reports, ReportExports exports, TimeProvider time)
{
    public const int MaxKeptCheckpoints = 10_000;
    public const int DefaultAuditPage = 100;
    public const int MaxAuditPage = 10_000;
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(7);
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    public Task<UsageAggregate> UsageAsync(Caller caller, string fleetId, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken) =>
        FleetReportAsync(caller, fleetId, from, to, "compliance.usage-report.read", reports.UsageAsync, cancellationToken);

    /// <summary>The period's totals and its series of local days in the zone (UTC when empty).</summary>
    public Task<EnforcementReportData> EnforcementAsync(Caller caller, string fleetId, DateTimeOffset? from, DateTimeOffset? to, string timeZone, CancellationToken cancellationToken)
    {
        var zone = Zone(timeZone);
        return FleetReportAsync(caller, fleetId, from, to, "compliance.enforcement-report.read", async (fleet, profile, start, end, cancel) =>
        {
            var (totals, days) = await reports.EnforcementByDayAsync(fleet, profile, start, end, zone, cancel);
            return new EnforcementReportData(totals, days, zone.Id);
        }, cancellationToken);
    }

    public async Task<PolicyCoverage> CoverageAsync(Caller caller, string fleetId, CancellationToken cancellationToken)
    {
        await fleets.RequireVisibleAsync(caller, fleetId);
        PolicyCoverage coverage;
        await using (var session = await database.ReadAsync(cancellationToken))
        {
            coverage = await policies.CoverageAsync(session, fleetId);
        }

        await audit.AppendAsync(caller.AuditName, "compliance.baseline-coverage.read", fleetId);
        return coverage;
    }

    /// <summary>
    /// The table of an export, checked and audited before the first row is read; the time zone cuts
    /// the days of the daily tables (UTC when empty). Only auditors export the audit log.
    /// </summary>
    public async Task<ExportTable> OpenExportAsync(Caller caller, ExportTableKind kind, string fleetId, DateTimeOffset? from, DateTimeOffset? to, string timeZone, CancellationToken cancellationToken)
    {
        var period = Period(from, to);
        ExportTable table;
        string action;
        if (kind == ExportTableKind.AuditLog)
        {
            if (!caller.Has(Roles.Auditor))
            {
                await denials.RecordAsync(caller, "audit-log", "role");
                throw new ForbiddenException("only auditors export the audit log");
            }

            (table, action, fleetId) = (exports.AuditLog(period.From, period.To), "audit-log.export", string.Empty);
        }
        else
        {
            var profileId = await fleets.RequireVisibleAsync(caller, fleetId);
            var zone = Zone(timeZone);
            table = await TelemetryReads.RunAsync(reports.Enabled, () => kind == ExportTableKind.DailyUsage
                ? exports.DailyUsageAsync(fleetId, profileId, period.From, period.To, zone.GetUtcOffset(period.From), cancellationToken)
                : exports.DailyEnforcementAsync(fleetId, profileId, period.From, period.To, zone, cancellationToken));
            action = kind == ExportTableKind.DailyUsage ? "compliance.daily-usage.export" : "compliance.daily-enforcement.export";
        }

        await audit.AppendAsync(caller.AuditName, action, fleetId);
        return table;
    }

    public async Task<IReadOnlyList<AuditRecord>> AuditEntriesAsync(Caller caller, string subject, ulong afterSequence, int limit)
    {
        await audit.AppendAsync(caller.AuditName, "audit-log.read", subject);
        return await audit.ListAsync(subject, afterSequence, limit == 0 ? DefaultAuditPage : Math.Min(limit, MaxAuditPage));
    }

    /// <summary>Walks the chain against the stored checkpoints and those the auditor kept.</summary>
    public Task<ChainVerification> VerifyChainAsync(IReadOnlyCollection<SignedCheckpoint> kept) =>
        kept.Count > MaxKeptCheckpoints
            ? throw new InvalidInputException("checkpoints", $"at most {MaxKeptCheckpoints} per call; keep the newest ones")
            : checkpoints.VerifyAsync(kept);

    /// <summary>Signs the current head first, so the newest entries are covered by what the auditor takes away.</summary>
    public async Task<(IReadOnlyList<SignedCheckpoint> Checkpoints, string PublicKeyPem)> CheckpointsAsync(Caller caller, ulong afterSequence)
    {
        await checkpoints.SignHeadAsync();
        await audit.AppendAsync(caller.AuditName, "audit-log.checkpoints.read", string.Empty);
        return (await checkpoints.ListAsync(afterSequence), checkpoints.PublicKeyPem);
    }

    private async Task<T> FleetReportAsync<T>(
        Caller caller, string fleetId, DateTimeOffset? from, DateTimeOffset? to, string auditAction,
        Func<string, string, DateTimeOffset, DateTimeOffset, CancellationToken, Task<T>> query, CancellationToken cancellationToken)
    {
        var profileId = await fleets.RequireVisibleAsync(caller, fleetId);
        var period = Period(from, to);
        await audit.AppendAsync(caller.AuditName, auditAction, fleetId);
        return await TelemetryReads.RunAsync(reports.Enabled, () => query(fleetId, profileId, period.From, period.To, cancellationToken));
    }

    // Defaults to the last 7 days; at most a year.
    private ReportPeriod Period(DateTimeOffset? from, DateTimeOffset? to)
    {
        var end = to ?? time.GetUtcNow();
        var start = from ?? end - DefaultPeriod;
        return start < end && end - start <= MaxPeriod
            ? new ReportPeriod(start, end)
            : throw new InvalidInputException("from", "the period must start before it ends and span at most a year");
    }

    private static TimeZoneInfo Zone(string timeZone)
    {
        if (timeZone.Length > 64)
        {
            throw new InvalidInputException("time_zone", "is not an IANA time zone (too long)");
        }

        var zoneId = string.IsNullOrEmpty(timeZone) ? "UTC" : timeZone;
        return TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone) ? zone : throw new InvalidInputException("time_zone", $"'{zoneId}' is not an IANA time zone");
    }
}
