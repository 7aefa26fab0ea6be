using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Application.Compliance;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Exports;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Api;

/// <summary>
/// The compliance gRPC API: maps messages to <see cref="ComplianceReading"/> and streams exports as
/// CSV chunks. Every read is audited there.
/// </summary>
[Authorize]
public sealed class ComplianceApi(ComplianceReading reading) : ComplianceService.ComplianceServiceBase
{
    [Authorize(Roles = Roles.Auditor + "," + Roles.Manufacturer)]
    public override async Task<UsageReport> GetUsageReport(GetUsageReportRequest request, ServerCallContext context) =>
        (await reading.UsageAsync(Caller.From(context), request.FleetId, request.From.ToOptionalTime(), request.To.ToOptionalTime(), context.CancellationToken)).ToMessage();

    [Authorize(Roles = Roles.Auditor + "," + Roles.Manufacturer)]
    public override async Task<EnforcementReport> GetEnforcementReport(GetEnforcementReportRequest request, ServerCallContext context) =>
        (await reading.EnforcementAsync(Caller.From(context), request.FleetId, request.From.ToOptionalTime(), request.To.ToOptionalTime(), request.TimeZone, context.CancellationToken)).ToMessage();

    [Authorize(Roles = Roles.Auditor + "," + Roles.Manufacturer)]
    public override async Task<BaselineCoverage> GetBaselineCoverage(GetBaselineCoverageRequest request, ServerCallContext context) =>
        (await reading.CoverageAsync(Caller.From(context), request.FleetId, context.CancellationToken)).ToMessage();

    [Authorize(Roles = Roles.Auditor + "," + Roles.Manufacturer)]
    public override async Task ExportReport(ExportReportRequest request, IServerStreamWriter<ExportChunk> responseStream, ServerCallContext context)
    {
        var kind = request.Kind switch
        {
            ExportKind.DailyUsage => ExportTableKind.DailyUsage,
            ExportKind.DailyEnforcement => ExportTableKind.DailyEnforcement,
            ExportKind.AuditLog => ExportTableKind.AuditLog,
            _ => throw new InvalidInputException("kind", "must be DAILY_USAGE, DAILY_ENFORCEMENT or AUDIT_LOG"),
        };
        var table = await reading.OpenExportAsync(
            Caller.From(context), kind, request.FleetId, request.From.ToOptionalTime(), request.To.ToOptionalTime(), request.TimeZone, context.CancellationToken);

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

    [Authorize(Roles = Roles.Auditor)]
    public override async Task ListAuditEntries(ListAuditEntriesRequest request, IServerStreamWriter<AuditEntry> responseStream, ServerCallContext context)
    {
        var entries = await reading.AuditEntriesAsync(Caller.From(context), request.Subject, request.AfterSequence, (int)Math.Min(request.Limit, ComplianceReading.MaxAuditPage));
        foreach (var entry in entries)
        {
            await responseStream.WriteAsync(entry.ToMessage(), context.CancellationToken);
        }
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<VerifyAuditChainResponse> VerifyAuditChain(VerifyAuditChainRequest request, ServerCallContext context)
    {
        if (request.Checkpoints.Count > ComplianceReading.MaxKeptCheckpoints)
        {
            // Before converting them: the limit is there to bound the work of a huge request.
            throw new InvalidInputException("checkpoints", $"at most {ComplianceReading.MaxKeptCheckpoints} per call; keep the newest ones");
        }

        return (await reading.VerifyChainAsync([.. request.Checkpoints.Select(c => c.ToDomain())])).ToMessage();
    }

    [Authorize(Roles = Roles.Auditor)]
    public override async Task<ListAuditCheckpointsResponse> ListAuditCheckpoints(ListAuditCheckpointsRequest request, ServerCallContext context)
    {
        var (checkpoints, publicKey) = await reading.CheckpointsAsync(Caller.From(context), request.AfterSequence);
        return new ListAuditCheckpointsResponse { Checkpoints = { checkpoints.Select(c => c.ToMessage()) }, SigningPublicKeyPem = publicKey };
    }
}
