using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Republishes every affected device after a baseline change, in the background and in batches, so
/// the API answers at once; progress is stored and can be queried (like AWS IoT Jobs).
/// </summary>
public sealed partial class RolloutService(
    Database database,
    DeviceRegistry devices,
    PolicyDistributor distributor,
    TimeProvider time,
    IOptions<ServiceOptions> options,
    ILogger<RolloutService> logger) : BackgroundService
{
    private readonly Channel<(string RolloutId, string FleetId, string ModelId)> _queue = Channel.CreateUnbounded<(string, string, string)>();

    public Rollout Start(string fleetId, string modelId)
    {
        var rollout = new Rollout
        {
            Id = "ro-" + Guid.NewGuid().ToString("N")[..12],
            TotalDevices = (uint)devices.DeviceIds(fleetId, modelId).Count,
            State = RolloutState.Queued,
            StartedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        };
        using (var connection = database.Open())
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO rollouts (id, fleet_id, total, published, state, started_at) VALUES ($id, $f, $t, 0, $s, $at)";
            insert.Parameters.AddWithValue("$id", rollout.Id);
            insert.Parameters.AddWithValue("$f", fleetId);
            insert.Parameters.AddWithValue("$t", rollout.TotalDevices);
            insert.Parameters.AddWithValue("$s", (int)RolloutState.Queued);
            insert.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
        }

        _queue.Writer.TryWrite((rollout.Id, fleetId, modelId));
        return rollout;
    }

    /// <summary>A rollout's progress, or null; fleetId receives the fleet it belongs to.</summary>
    public Rollout? Get(string rolloutId, out string fleetId)
    {
        fleetId = string.Empty;
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT r.fleet_id, r.total, r.published, r.state, r.started_at, r.completed_at,
                   (SELECT COUNT(*) FROM device_policies p JOIN devices d ON d.id = p.device_id
                    WHERE d.fleet_id = r.fleet_id AND p.desired_at >= r.started_at AND p.reported_version >= p.desired_version)
            FROM rollouts r WHERE r.id = $id
            """;
        command.Parameters.AddWithValue("$id", rolloutId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        fleetId = reader.GetString(0);
        var rollout = new Rollout
        {
            Id = rolloutId,
            TotalDevices = (uint)reader.GetInt64(1),
            PublishedDevices = (uint)reader.GetInt64(2),
            State = (RolloutState)reader.GetInt32(3),
            StartedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))),
            AcknowledgedDevices = (uint)reader.GetInt64(6),
        };
        if (!reader.IsDBNull(5))
        {
            rollout.CompletedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)));
        }

        return rollout;
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
                TryMarkFailed(rolloutId);
            }
        }
    }

    private async Task RunAsync(string rolloutId, string fleetId, string modelId, CancellationToken stoppingToken)
    {
        var ids = devices.DeviceIds(fleetId, modelId);
        Update(rolloutId, 0, RolloutState.InProgress, completed: false);
        var published = 0;
        var failed = 0;
        foreach (var batch in ids.Chunk(options.Value.RolloutBatchSize))
        {
            foreach (var deviceId in batch)
            {
                try
                {
                    await distributor.RepublishAsync(deviceId, stoppingToken);
                    published++;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failed++;
                    LogDeviceFailed(e, rolloutId, deviceId);
                }
            }

            Update(rolloutId, published, RolloutState.InProgress, completed: false);
        }

        Update(rolloutId, published, failed == 0 ? RolloutState.Completed : RolloutState.Failed, completed: true);
        LogCompleted(rolloutId, published, failed);
    }

    private void TryMarkFailed(string rolloutId)
    {
        try
        {
            using var connection = database.Open();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE rollouts SET state = $s, completed_at = $at WHERE id = $id";
            update.Parameters.AddWithValue("$id", rolloutId);
            update.Parameters.AddWithValue("$s", (int)RolloutState.Failed);
            update.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
            update.ExecuteNonQuery();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            LogRolloutFailed(e, rolloutId);
        }
    }

    private void Update(string rolloutId, int published, RolloutState state, bool completed)
    {
        using var connection = database.Open();
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE rollouts SET published = $p, state = $s, completed_at = CASE WHEN $done THEN $at ELSE completed_at END WHERE id = $id";
        update.Parameters.AddWithValue("$id", rolloutId);
        update.Parameters.AddWithValue("$p", published);
        update.Parameters.AddWithValue("$s", (int)state);
        update.Parameters.AddWithValue("$done", completed);
        update.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
        update.ExecuteNonQuery();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Rollout {RolloutId} failed")]
    private partial void LogRolloutFailed(Exception exception, string rolloutId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {RolloutId}: publishing to {DeviceId} failed")]
    private partial void LogDeviceFailed(Exception exception, string rolloutId, string deviceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {RolloutId} finished: {Published} published, {Failed} failed")]
    private partial void LogCompleted(string rolloutId, int published, int failed);
}
