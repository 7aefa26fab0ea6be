using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Republishes every affected device after a baseline change, in the background and in batches, so
/// the API answers at once; progress is stored and can be queried (like AWS IoT Jobs).
/// </summary>
public sealed partial class RolloutService(
    StateDatabase database,
    RolloutStore store,
    DevicePolicyStore policies,
    DeviceRegistry devices,
    PolicyDistributor distributor,
    TimeProvider time,
    IOptions<ServiceOptions> options,
    ILogger<RolloutService> logger) : BackgroundService
{
    private readonly Channel<(string RolloutId, string FleetId, string ModelId)> _queue = Channel.CreateUnbounded<(string, string, string)>();

    public async Task<RolloutProgress> StartAsync(string fleetId, string modelId)
    {
        var now = time.GetUtcNow();
        var rollout = new RolloutProgress(
            "ro-" + Guid.NewGuid().ToString("N")[..12], fleetId, (await devices.DeviceIdsAsync(fleetId, modelId)).Count,
            PublishedDevices: 0, AcknowledgedDevices: 0, RolloutPhase.Queued, now, CompletedAt: null);
        await using (var session = await database.OpenAsync())
        {
            await store.InsertAsync(session, rollout.Id, fleetId, rollout.TotalDevices, (int)RolloutPhase.Queued, now.ToUnixTimeMilliseconds());
        }

        _queue.Writer.TryWrite((rollout.Id, fleetId, modelId));
        return rollout;
    }

    /// <summary>A rollout's progress (with the fleet it belongs to), or null.</summary>
    public async Task<RolloutProgress?> GetAsync(string rolloutId)
    {
        await using var session = await database.ReadAsync();
        if (await store.FindAsync(session, rolloutId) is not { } stored)
        {
            return null;
        }

        return new RolloutProgress(
            rolloutId, stored.FleetId, (int)stored.Total, (int)stored.Published,
            (int)await policies.AcknowledgedSinceAsync(session, stored.FleetId, stored.StartedAt),
            (RolloutPhase)stored.State,
            DateTimeOffset.FromUnixTimeMilliseconds(stored.StartedAt),
            stored.CompletedAt is { } completedAt ? DateTimeOffset.FromUnixTimeMilliseconds(completedAt) : null);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (rolloutId, fleetId, modelId) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await RunAsync(rolloutId, fleetId, modelId, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The state database failed under the rollout: it is marked failed if the database lets
                // us, and the service goes on (the next baseline change republishes everything again).
                LogRolloutFailed(e, rolloutId);
                await TryMarkFailedAsync(rolloutId);
            }
        }
    }

    private async Task RunAsync(string rolloutId, string fleetId, string modelId, CancellationToken stoppingToken)
    {
        var ids = await devices.DeviceIdsAsync(fleetId, modelId);
        await UpdateAsync(rolloutId, 0, RolloutPhase.InProgress, completed: false);
        var published = 0;
        var failed = 0;
        foreach (var batch in ids.Chunk(options.Value.RolloutBatchSize))
        {
            try
            {
                foreach (var outcome in await distributor.RepublishAsync(batch, stoppingToken))
                {
                    if (outcome.Error is null)
                    {
                        published++;
                    }
                    else
                    {
                        failed++;
                        LogDeviceFailed(outcome.Error, rolloutId, outcome.DeviceId);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The batch's store failed (the state database): none of it was published.
                failed += batch.Length;
                LogBatchFailed(e, rolloutId, batch.Length);
            }

            await UpdateAsync(rolloutId, published, RolloutPhase.InProgress, completed: false);
        }

        await UpdateAsync(rolloutId, published, failed == 0 ? RolloutPhase.Completed : RolloutPhase.Failed, completed: true);
        LogCompleted(rolloutId, published, failed);
    }

    private async Task TryMarkFailedAsync(string rolloutId)
    {
        try
        {
            await using var session = await database.OpenAsync();
            await store.EndAsync(session, rolloutId, (int)RolloutPhase.Failed, time.GetUtcNow().ToUnixTimeMilliseconds());
        }
        catch (Exception e) when (DatabaseFailures.Classify(e).Kind is not StateFailureKind.None)
        {
            LogRolloutFailed(e, rolloutId);
        }
    }

    private async Task UpdateAsync(string rolloutId, int published, RolloutPhase state, bool completed)
    {
        await using var session = await database.OpenAsync();
        await store.UpdateAsync(session, rolloutId, published, (int)state, completed ? time.GetUtcNow().ToUnixTimeMilliseconds() : null);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Rollout {RolloutId} failed")]
    private partial void LogRolloutFailed(Exception exception, string rolloutId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {RolloutId}: publishing to {DeviceId} failed")]
    private partial void LogDeviceFailed(Exception exception, string rolloutId, string deviceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {RolloutId}: a batch of {Devices} devices failed")]
    private partial void LogBatchFailed(Exception exception, string rolloutId, int devices);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {RolloutId} finished: {Published} published, {Failed} failed")]
    private partial void LogCompleted(string rolloutId, int published, int failed);
}
