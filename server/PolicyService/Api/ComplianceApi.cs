using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Exports;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Api;

/// <summary>
/// The compliance gRPC API: baseline coverage, fleet usage and enforcement aggregates (from InfluxDB,
/// with a minimum group size), and the audit log. Every read is itself audited.
/// </summary>
[Authorize]
public sealed class ComplianceApi(FleetRegistry fleets, StateDatabase database, DevicePolicyStore policies, AuditLog audit, AuditCheckpoints checkpoints, AccessDenials denials, ComplianceReports reports, ReportExports exports, TimeProvider time) : ComplianceService.ComplianceServiceBase
{
    private const int MaxKeptCheckpoints = 10_000;

    [Authorize(Roles = Roles.Auditor + "," + Roles.Manufacturer)]
    public override Task<UsageReport> GetUsageReport(GetUsageReportRequest request, ServerCallContext context) =>
        FleetReportAsync(context, request.FleetId, request.From, request.To, "compliance.usage-report.read", reports.UsageAsync);

    [Authorize(Roles = Roles.Auditor + "," + Roles.Manufacturer)]
    public override Task<EnforcementReport> GetEnforcementReport(GetEnforcementReportRequest request, ServerCallContext context) =>
        FleetReportAsync(context, request.FleetId, request.From, request.To, "compliance.enforcement-report.read", reports.EnforcementAsync);

    // A fleet report: the caller must own the fleet (or be an auditor), the period is checked, the read is audited.
    private async Task<T> FleetReportAsync<T>(
        ServerCallContext context, string fleetId, Google.Protobuf.WellKnownTypes.Timestamp? from, Google.Protobuf.WellKnownTypes.Timestamp? to, string auditAction,
        Func<string, string, DateTimeOffset, DateTimeOffset, CancellationToken, Task<T>> query)
    {
        var caller = Caller.From(context);
        var profileId = await fleets.RequireVisibleAsync(caller, fleetId);
        var period = Period(from, to);
        await audit.AppendAsync(caller.AuditName, auditAction, fleetId);
        return await Unavailable(() => query(fleetId, profileId, period.From, period.To, context.CancellationToken));
    }

    [Authorize(Roles = Roles.Auditor + "," + Roles.Manufacturer)]
    public override async Task ExportReport(ExportReportRequest request, IServerStreamWriter<ExportChunk> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var (from, to) = Period(request.From, request.To);
        var table = request.Kind switch
        {
            ExportKind.AuditLog when !caller.Has(Roles.Auditor) => throw await RefusedAsync(caller, "audit-log", "only auditors export the audit log"),
            ExportKind.AuditLog => exports.AuditLog(from, to),
            ExportKind.DailyUsage or ExportKind.DailyEnforcement => await FleetTableAsync(request, caller, from, to, context.CancellationToken),
            _ => throw new InvalidInputException("kind", "must be DAILY_USAGE, DAILY_ENFORCEMENT or AUDIT_LOG"),
        };
        var (action, subject) = request.Kind switch
        {
            ExportKind.DailyUsage => ("compliance.daily-usage.export", request.FleetId),
            ExportKind.DailyEnforcement => ("compliance.daily-enforcement.export", request.FleetId),
            _ => ("audit-log.export", string.Empty),
        };
        await audit.AppendAsync(caller.AuditName, action, subject);

        using var writer = new CsvChunkWriter(table.Header);
        await foreach (var row in table.Rows)
        {
            if (writer.Add(row) is { } chunk)
            {
                await responseStream.WriteAsync(chunk, context.CancellationToken);
            }
        }

        await responseStream.WriteAsync(writer.Finish(table.SuppressedGroups), context.CancellationToken);
    }

    private async Task<ForbiddenException> RefusedAsync(Caller caller, string resource, string message)
    {
        await denials.RecordAsync(caller, resource, "role");
        return new ForbiddenException(message);
    }

    private async Task<ExportTable> FleetTableAsync(ExportReportRequest request, Caller caller, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var profileId = await fleets.RequireVisibleAsync(caller, request.FleetId);
        var zoneId = string.IsNullOrEmpty(request.TimeZone) ? "UTC" : request.TimeZone;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone))
        {
            throw new InvalidInputException("time_zone", $"'{zoneId}' is not an IANA time zone");
        }

        var offset = zone.GetUtcOffset(from);
        return await Unavailable(() => request.Kind == ExportKind.DailyUsage
            ? exports.DailyUsageAsync(request.FleetId, profileId, from, to, offset, cancellationToken)
            : exports.DailyEnforcementAsync(request.FleetId, profileId, from, to, offset, cancellationToken));
    }

    // Defaults to the last 7 days; at most a year.
    private (DateTimeOffset From, DateTimeOffset To) Period(Google.Protobuf.WellKnownTypes.Timestamp? from, Google.Protobuf.WellKnownTypes.Timestamp? to)
    {
        var end = to?.ToDateTimeOffset() ?? time.GetUtcNow();
        var start = from?.ToDateTimeOffset() ?? end.AddDays(-7);
        if (start >= end || end - start > TimeSpan.FromDays(366))
        {
            throw new InvalidInputException("from", "the period must start before it ends and span at most a year");
        }

        return (start, end);
    }

    private async Task<T> Unavailable<T>(Func<Task<T>> query)
    {
        if (!reports.Enabled)
        {
            throw new PreconditionFailedException("telemetry storage is not configured (Influx:Url)");
        }

        try
        {
            return await query();
        }
        catch (HttpRequestException e)
        {
            throw new DependencyUnavailableException("telemetry database unavailable: " + e.Message);
        }
    }

    [Authorize(Roles = Roles.Auditor + "," + Roles.Manufacturer)]
    public override async Task<BaselineCoverage> GetBaselineCoverage(GetBaselineCoverageRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        await fleets.RequireVisibleAsync(caller, request.FleetId);
        PolicyCoverage coverage;
        await using (var session = await database.ReadAsync(context.CancellationToken))
        {
            coverage = await policies.CoverageAsync(session, request.FleetId);
        }

        await audit.AppendAsync(caller.AuditName, "compliance.baseline-coverage.read", request.FleetId);
        return new BaselineCoverage
        {
            TotalDevices = (uint)coverage.TotalDevices,
            CurrentDevices = (uint)coverage.CurrentDevices,
            LaggingDevices = (uint)coverage.LaggingDevices,
            NeverSeenDevices = (uint)coverage.NeverSeenDevices,
        };
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task ListAuditEntries(ListAuditEntriesRequest request, IServerStreamWriter<AuditEntry> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var limit = request.Limit == 0 ? 100 : (int)Math.Min(request.Limit, 10_000);
        await audit.AppendAsync(caller.AuditName, "audit-log.read", request.Subject);
        foreach (var entry in await audit.ListAsync(request.Subject, request.AfterSequence, limit))
        {
            await responseStream.WriteAsync(entry, context.CancellationToken);
        }
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<VerifyAuditChainResponse> VerifyAuditChain(VerifyAuditChainRequest request, ServerCallContext context)
    {
        if (request.Checkpoints.Count > MaxKeptCheckpoints)
        {
            throw new InvalidInputException("checkpoints", $"at most {MaxKeptCheckpoints} per call; keep the newest ones");
        }

        return await checkpoints.VerifyAsync(request.Checkpoints);
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<ListAuditCheckpointsResponse> ListAuditCheckpoints(ListAuditCheckpointsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        await checkpoints.SignHeadAsync();
        await audit.AppendAsync(caller.AuditName, "audit-log.checkpoints.read", string.Empty);
        return new ListAuditCheckpointsResponse { Checkpoints = { await checkpoints.ListAsync(request.AfterSequence) }, SigningPublicKeyPem = checkpoints.PublicKeyPem };
    }
}
