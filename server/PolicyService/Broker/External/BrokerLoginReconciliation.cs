using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Registry;

namespace SmartTerminal.PolicyService.Broker.External;

/// <summary>What one reconciliation found and repaired.</summary>
public sealed record ReconciliationOutcome(int Restored, int Removed, int WithoutStoredPassword);

/// <summary>
/// Keeps the broker's device logins a copy of the state database: at start (after setting the
/// plugin's deny-by-default baseline) and every <see cref="ExternalBrokerOptions.ReconcileMinutes"/>,
/// a device missing in the broker gets its login back, a login of a decommissioned or unknown device
/// is removed. Replicas may run it at the same time: every repair is idempotent.
/// </summary>
public sealed partial class BrokerLoginReconciliation(
    ExternalBrokerConnection connection, MosquittoDynamicSecurity broker, DeviceRegistry devices, IOptions<ExternalBrokerOptions> options, ILogger<BrokerLoginReconciliation> logger)
    : BackgroundService
{
    private const int Page = 1000;

    public async Task<ReconciliationOutcome> ReconcileAsync(CancellationToken cancellationToken)
    {
        var inBroker = new HashSet<string>((await broker.ClientNamesAsync(cancellationToken)).Where(IsDeviceLogin), StringComparer.Ordinal);
        int restored = 0, removed = 0, withoutPassword = 0;
        var after = string.Empty;
        while (true)
        {
            var page = await devices.BrokerLoginsAsync(after, Page);
            foreach (var (deviceId, password, decommissioned) in page)
            {
                var present = inBroker.Remove(deviceId);
                if (decommissioned && present)
                {
                    await broker.RemoveDeviceAsync(deviceId, cancellationToken);
                    removed++;
                }
                else if (!decommissioned && !present)
                {
                    if (password is null)
                    {
                        withoutPassword++;
                        continue;
                    }

                    await broker.SetDeviceAsync(deviceId, password, cancellationToken);
                    restored++;
                }
            }

            if (page.Count < Page)
            {
                break;
            }

            after = page[^1].DeviceId;
        }

        // Logins of device ids the state database never had.
        foreach (var unknown in inBroker)
        {
            await broker.RemoveDeviceAsync(unknown, cancellationToken);
            removed++;
        }

        return new ReconciliationOutcome(restored, removed, withoutPassword);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMinutes(options.Value.ReconcileMinutes);
        var baselineSet = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (await connection.WaitConnectedAsync(TimeSpan.FromSeconds(30), stoppingToken))
            {
                try
                {
                    if (!baselineSet)
                    {
                        await broker.EnsureBaselineAsync(stoppingToken);
                        baselineSet = true;
                    }

                    var outcome = await ReconcileAsync(stoppingToken);
                    if (outcome.Restored + outcome.Removed + outcome.WithoutStoredPassword > 0)
                    {
                        LogRepaired(outcome.Restored, outcome.Removed, outcome.WithoutStoredPassword);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
                    continue;
                }
            }

            await Task.Delay(baselineSet ? interval : TimeSpan.FromSeconds(5), stoppingToken);
        }
    }

    // Device ids are "st-" and 16 hex digits (DeviceRegistry); the service's and admins' logins are left alone.
    private static bool IsDeviceLogin(string userName) => DeviceLoginPattern().IsMatch(userName);

    [GeneratedRegex("^st-[0-9a-f]{16}$")]
    private static partial Regex DeviceLoginPattern();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker logins repaired: {Restored} restored, {Removed} removed; {WithoutPassword} active devices have no stored broker password (registered before it was kept: rotate their keys)")]
    private partial void LogRepaired(int restored, int removed, int withoutPassword);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciling broker logins failed: {Error}; trying again")]
    private partial void LogFailed(string error);
}
