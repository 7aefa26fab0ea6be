using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Infrastructure;

/// <summary>The audit log as an auditor reads it (each read is itself audited).</summary>
internal static class AuditTrail
{
    public static async Task<List<AuditEntry>> ReadAsync(PolicyServiceProcess service, string subject = "", uint limit = 10_000)
    {
        var client = new ComplianceService.ComplianceServiceClient(service.Channel);
        using var call = client.ListAuditEntries(new ListAuditEntriesRequest { Subject = subject, Limit = limit }, await service.As("auditor", "regulator"));
        var entries = new List<AuditEntry>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            entries.Add(call.ResponseStream.Current);
        }

        return entries;
    }
}
