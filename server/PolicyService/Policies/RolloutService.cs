using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Ingestion;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Republishes every affected device after a baseline change, in the background and in batches, so the
/// API answers at once; progress is stored and can be queried (like AWS IoT Jobs). The batches live in
/// the state database and every replica works through them: a replica claims one under a lease, and
/// when it dies another takes the batch over once the lease expires. Republishing is idempotent (a
/// device's version moves only when its inputs changed), so a batch done twice costs time, not
/// correctness; the fencing token keeps a replica that lost its lease from counting the batch.
/// </summary>
public sealed partial class RolloutService(
    StateDatabase database,
    RolloutStore store,
    DeviceStore deviceStore,
    DevicePolicyStore policies,
    PolicyDistributor distributor,
    TimeProvider time,
    IOptions<RolloutOptions> options,
    ILogger<RolloutService> logger) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly RepeatedFailures _claimFailures = new(TimeSpan.FromSeconds(30), time);
    private readonly RolloutOptions _options = options.Value;

    /// <summary>Who holds a lease, for the logs and the table (the fencing token is what decides).</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Queues republishing the fleet's (or model's) devices after a change of the baseline to <paramref name="baselineRevision"/> (0: of the profile).</summary>
    public async Task<RolloutProgress> StartAsync(string fleetId, string modelId, ulong baselineRevision = 0)
    {
        var now = time.GetUtcNow();
        var id = "ro-" + Guid.NewGuid().ToString("N")[..12];
        long total;
        await using (var session = await database.WriteAsync())
        {
            var (ranges, count) = await deviceStore.RangesAsync(session, fleetId, modelId, _options.BatchSize);
            total = count;
            await store.InsertAsync(session, id, fleetId, modelId, ranges, total, (int)RolloutPhase.Queued, now.ToUnixTimeMilliseconds(), (long)baselineRevision);
            await store.EndEmptyAsync(session, id, now.ToUnixTimeMilliseconds());
            await session.CommitAsync();
        }

        _wake.Writer.TryWrite(true);
        return total == 0
            ? new RolloutProgress(id, fleetId, 0, 0, 0, RolloutPhase.Completed, now, now, modelId, 0, baselineRevision)
            : new RolloutProgress(id, fleetId, (int)total, PublishedDevices: 0, AcknowledgedDevices: 0, RolloutPhase.Queued, now, CompletedAt: null, modelId, 0, baselineRevision);
    }

    /// <summary>A rollout's progress (with the fleet it belongs to), or null.</summary>
    public async Task<RolloutProgress?> GetAsync(string rolloutId)
    {
        await using var session = await database.ReadAsync();
        return await store.FindAsync(session, rolloutId) is { } stored ? await ProgressAsync(session, stored) : null;
    }

    /// <summary>The fleet's newest rollouts with their progress, newest first.</summary>
    public async Task<IReadOnlyList<RolloutProgress>> RecentAsync(string fleetId, int limit)
    {
        await using var session = await database.ReadAsync();
        var recent = new List<RolloutProgress>();
        foreach (var stored in await store.RecentAsync(session, fleetId, limit))
        {
            recent.Add(await ProgressAsync(session, stored));
        }

        return recent;
    }

    private async Task<RolloutProgress> ProgressAsync(StateSession session, StoredRollout stored) => new(
        stored.Id, stored.FleetId, (int)stored.Total, (int)stored.Published,
        (int)await policies.AcknowledgedSinceAsync(session, stored.FleetId, stored.StartedAt, stored.ModelId),
        (RolloutPhase)stored.State,
        DateTimeOffset.FromUnixTimeMilliseconds(stored.StartedAt),
        stored.CompletedAt is { } completedAt ? DateTimeOffset.FromUnixTimeMilliseconds(completedAt) : null,
        stored.ModelId, (int)stored.Failed, (ulong)stored.BaselineRevision);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = await TryClaimAsync();
            if (batch is null)
            {
                await IdleAsync(stoppingToken);
                continue;
            }

            await WorkAsync(batch, stoppingToken);
        }
    }

    private async Task<ClaimedRolloutBatch?> TryClaimAsync()
    {
        try
        {
            ClaimedRolloutBatch? batch;
            await using (var session = await database.WriteAsync())
            {
                batch = await store.ClaimAsync(session, Owner, time.GetUtcNow().ToUnixTimeMilliseconds(), _options.LeaseSeconds * 1000L);
                await session.CommitAsync();
            }

            if (_claimFailures.Succeeded() is { } outage)
            {
                LogClaimingAgain(outage.Failures, outage.Lasted);
            }

            return batch;
        }
        catch (Exception e) when (DatabaseFailures.Classify(e).Kind is not StateFailureKind.None)
        {
            // The state database is down or busy: rollouts wait for it (their batches are safe in it).
            if (_claimFailures.Failed().Kind == FailureLogKind.First)
            {
                LogClaimFailed(e.Message);
            }

            return null;
        }
    }

    // Republishes the batch's devices and completes it once its time slot (DevicesPerSecond) has passed:
    // the lease covers the slot, so the rollout's progress moves at the paced rate.
    private async Task WorkAsync(ClaimedRolloutBatch batch, CancellationToken stoppingToken)
    {
        var range = new RolloutBatchRange(batch.FirstDeviceId, batch.LastDeviceId);
        var started = Stopwatch.GetTimestamp();
        try
        {
            IReadOnlyList<string> ids;
            await using (var session = await database.ReadAsync(stoppingToken))
            {
                ids = await deviceStore.ActiveIdsInRangeAsync(session, batch.FleetId, batch.ModelId, range);
            }

            if (batch.Attempts > _options.MaxAttempts)
            {
                LogGaveUp(batch.RolloutId, batch.Batch, ids.Count, _options.MaxAttempts);
                await CompleteAsync(batch, published: 0, failed: ids.Count);
                return;
            }

            var (published, failed) = (0, 0);
            foreach (var outcome in await distributor.RepublishAsync(ids, stoppingToken))
            {
                if (outcome.Error is null)
                {
                    published++;
                }
                else
                {
                    failed++;
                    LogDeviceFailed(outcome.Error, batch.RolloutId, outcome.DeviceId);
                }
            }

            await PaceAsync(ids.Count, Stopwatch.GetElapsedTime(started), stoppingToken);
            await CompleteAsync(batch, published, failed);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: another replica (or this one after its restart) takes the batch at once.
            await TryReleaseAsync(batch, TimeSpan.Zero);
            throw;
        }
        catch (Exception e)
        {
            // The state database or the broker failed under the batch: it stays pending, and this or
            // another replica claims it again after a pause that doubles with each claim (up to
            // MaxAttempts claims), so a failure that lasts is not retried in a loop.
            LogBatchFailed(e, batch.RolloutId, batch.Batch, batch.Attempts);
            await TryReleaseAsync(batch, TimeSpan.FromSeconds(Math.Min(_options.PollSeconds * Math.Pow(2, batch.Attempts), _options.LeaseSeconds)));
        }
    }

    private async Task TryReleaseAsync(ClaimedRolloutBatch batch, TimeSpan pause)
    {
        try
        {
            await using var session = await database.WriteAsync();
            await store.ReleaseAsync(session, batch, (time.GetUtcNow() + pause).ToUnixTimeMilliseconds());
            await session.CommitAsync();
        }
        catch (Exception e) when (DatabaseFailures.Classify(e).Kind is not StateFailureKind.None)
        {
            // The lease runs out by itself.
        }
    }

    private async Task CompleteAsync(ClaimedRolloutBatch batch, int published, int failed)
    {
        bool completed;
        await using (var session = await database.WriteAsync())
        {
            completed = await store.CompleteAsync(session, batch, published, failed, time.GetUtcNow().ToUnixTimeMilliseconds());
            await session.CommitAsync();
        }

        if (!completed)
        {
            LogLeaseLost(batch.RolloutId, batch.Batch, batch.FencingToken);
        }
        else if (await GetAsync(batch.RolloutId) is { CompletedAt: not null } ended)
        {
            LogCompleted(batch.RolloutId, ended.PublishedDevices, ended.Phase);
        }
    }

    private async Task IdleAsync(CancellationToken stoppingToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        poll.CancelAfter(TimeSpan.FromSeconds(_options.PollSeconds));
        try
        {
            await _wake.Reader.ReadAsync(poll.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Time to look for batches other replicas queued.
        }
    }

    private async Task PaceAsync(int devices, TimeSpan took, CancellationToken stoppingToken)
    {
        if (_options.DevicesPerSecond > 0 && TimeSpan.FromSeconds((double)devices / _options.DevicesPerSecond) - took is { Ticks: > 0 } rest)
        {
            await Task.Delay(rest, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollouts: claiming a batch failed ({Reason}); retrying while the state database is unavailable")]
    private partial void LogClaimFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollouts: claiming batches again after {Failures} failed attempts over {Lasted}")]
    private partial void LogClaimingAgain(long failures, TimeSpan lasted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {RolloutId}: publishing to {DeviceId} failed")]
    private partial void LogDeviceFailed(Exception exception, string rolloutId, string deviceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {RolloutId}: batch {Batch} failed on claim {Attempt}; it is claimed again after a pause")]
    private partial void LogBatchFailed(Exception exception, string rolloutId, long batch, long attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rollout {RolloutId}: batch {Batch} gave up after {Attempts} claims; its {Devices} devices count as failed")]
    private partial void LogGaveUp(string rolloutId, long batch, int devices, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {RolloutId}: batch {Batch} was taken over by another replica (token {Token} is stale); this replica's result is discarded")]
    private partial void LogLeaseLost(string rolloutId, long batch, long token);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {RolloutId} finished: {Published} published, {Phase}")]
    private partial void LogCompleted(string rolloutId, int published, RolloutPhase phase);
}
