using Google.Protobuf;
using SmartTerminal.Contracts.Device.V1;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Broker;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// The last stage: for a stored batch, advances every device's watermark to its highest contiguous
/// stored sequence, records the usage-complete claims of the heartbeats it now covers, the policy
/// versions the batch's uplinks report and what they ask guardians for, in one transaction, then acknowledges each device once. Sequences
/// stored above a gap (an uplink lost before it was stored, or batches finishing out of order) wait, with
/// their claims, until the gap closes: in memory with the embedded broker (one process receives all of a device's uplinks; only
/// one committer runs, so these sets need no lock), in the state database with an external broker
/// (any replica may receive any uplink, <see cref="CommitSharedAsync"/>).
/// </summary>
public sealed partial class AckCommitter(
    StateDatabase database, UplinkWatermarks watermarks, SharedUplinkLedger ledger, PolicyDistributor distributor, ChildRequestStore requests,
    IDeviceDownlink downlink, IOptions<BrokerOptions> broker, IngestMetrics metrics, TimeProvider time, ILogger<AckCommitter> logger)
{
    // A state database that is down fails every batch: its first failure is logged with the exception,
    // then a summary every 30 s and one line when commits work again (not one stack trace per batch).
    private readonly RepeatedFailures _commitFailures = new(TimeSpan.FromSeconds(30), time);
    private readonly Dictionary<string, HashSet<StoredSequence>> _storedAhead = new(StringComparer.Ordinal);
    private readonly bool _shared = broker.Value.Mode == BrokerMode.External;

    public async Task CommitAsync(UplinkBatch batch, CancellationToken cancellationToken)
    {
        if (_shared)
        {
            await CommitSharedAsync(batch, cancellationToken);
            return;
        }

        var current = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var uplink in batch.Uplinks)
        {
            if (!current.TryGetValue(uplink.DeviceId, out var watermark))
            {
                watermark = await watermarks.GetAsync(uplink.DeviceId);
                current[uplink.DeviceId] = watermark;
            }

            if (uplink.Sequence > watermark)
            {
                Ahead(uplink.DeviceId).Add(Stored(uplink));
            }
        }

        var advanced = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var complete = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (deviceId, watermark) in current)
        {
            if (_storedAhead.TryGetValue(deviceId, out var ahead))
            {
                var (through, claim) = ContiguousRun.Advance(watermark, ahead);
                if (through > watermark)
                {
                    advanced[deviceId] = through;
                }

                if (claim > 0)
                {
                    complete[deviceId] = claim;
                }
            }
        }

        var reports = ReportsOf(batch);
        var asked = AskedOf(batch);
        IReadOnlyList<string> lagging = [];
        try
        {
            if (advanced.Count > 0 || reports.Count > 0 || asked.Count > 0)
            {
                await using var session = await database.WriteAsync(cancellationToken);
                await watermarks.AdvanceAsync(session, advanced);
                await watermarks.RaiseUsageCompleteAsync(session, complete);
                await requests.RecordAsync(session, asked);
                lagging = await distributor.RecordReportsAsync(session, reports);
                await session.CommitAsync();
            }

            watermarks.Remember(advanced);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Stored but not recorded: the sequences stay in the sets and the next batch of the device
            // records them; the device sends again what is not acknowledged, and that is only acknowledged.
            CommitFailed(e, advanced.Count);
            return;
        }

        CommitSucceeded();

        foreach (var (deviceId, through) in advanced)
        {
            current[deviceId] = through;
            var ahead = _storedAhead[deviceId];
            ahead.RemoveWhere(s => s.Sequence <= through);
            if (ahead.Count == 0)
            {
                _storedAhead.Remove(deviceId);
            }
        }

        await AcknowledgeAsync(batch, current, cancellationToken);
        await distributor.ResendToLaggingAsync(lagging, cancellationToken);
    }

    /// <summary>The same with every replica's view in the state database (<see cref="SharedUplinkLedger"/>).</summary>
    private async Task CommitSharedAsync(UplinkBatch batch, CancellationToken cancellationToken)
    {
        var reports = ReportsOf(batch);
        LedgerUpdate update;
        IReadOnlyList<string> lagging;
        try
        {
            await using var session = await database.WriteAsync(cancellationToken);
            update = await ledger.RecordStoredAsync(session, [.. batch.Uplinks.Select(Stored)]);
            await watermarks.RaiseUsageCompleteAsync(session, update.UsageCompleteThrough);
            await requests.RecordAsync(session, AskedOf(batch));
            lagging = await distributor.RecordReportsAsync(session, reports);
            await session.CommitAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing of the batch recorded: its devices send again what is not acknowledged.
            CommitFailed(e, batch.Uplinks.Select(u => u.DeviceId).Distinct(StringComparer.Ordinal).Count());
            return;
        }

        CommitSucceeded();

        watermarks.Remember(update.Advanced);
        await AcknowledgeAsync(batch, update.Current, cancellationToken);
        await distributor.ResendToLaggingAsync(lagging, cancellationToken);
    }

    // The policy versions the batch's new uplinks report, in each device's uplink order.
    private static List<(string DeviceId, PolicyReport Report)> ReportsOf(UplinkBatch batch) =>
        [.. batch.Uplinks.Where(u => u.Report is not null && !u.IsResend)
            .OrderBy(u => u.DeviceId, StringComparer.Ordinal).ThenBy(u => u.Sequence)
            .Select(u => (u.DeviceId, u.Report!.Value))];

    // What the batch's new uplinks ask guardians for, in each device's uplink order.
    private static List<AskedRequest> AskedOf(UplinkBatch batch) =>
        [.. batch.Uplinks.Where(u => u.Requests is { Count: > 0 } && !u.IsResend)
            .OrderBy(u => u.DeviceId, StringComparer.Ordinal).ThenBy(u => u.Sequence)
            .SelectMany(u => u.Requests!)];

    private async Task AcknowledgeAsync(UplinkBatch batch, IReadOnlyDictionary<string, ulong> current, CancellationToken cancellationToken)
    {
        metrics.Stored(batch.Uplinks.Count(u => !u.IsResend));
        foreach (var (deviceId, through) in current)
        {
            if (through > 0)
            {
                var ack = new ControlMessage { UplinkAck = new UplinkAck { AckedThroughSequence = through } };
                await downlink.PublishControlAsync(deviceId, ack.ToByteArray(), cancellationToken);
            }
        }

        foreach (var uplink in batch.Uplinks)
        {
            if (uplink.Sequence <= current[uplink.DeviceId])
            {
                metrics.Acknowledged(uplink.ReceivedTimestamp);
            }
        }
    }

    private static StoredSequence Stored(PendingUplink uplink) => new(uplink.DeviceId, uplink.Sequence, uplink.UsageCompleteThroughUnix);

    private HashSet<StoredSequence> Ahead(string deviceId)
    {
        if (!_storedAhead.TryGetValue(deviceId, out var ahead))
        {
            ahead = [];
            _storedAhead[deviceId] = ahead;
        }

        return ahead;
    }

    private void CommitFailed(Exception exception, int devices)
    {
        var line = _commitFailures.Failed();
        if (line.Kind == FailureLogKind.First)
        {
            LogCommitFailed(exception, devices);
        }
        else if (line.Kind == FailureLogKind.Summary)
        {
            LogStillFailing(line.Count, line.Since, exception.Message);
        }
    }

    private void CommitSucceeded()
    {
        if (_commitFailures.Succeeded() is { } run)
        {
            LogCommittingAgain(run.Failures, run.Lasted);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording the watermarks of {Devices} devices failed; their uplinks are stored and acknowledged with the next batch")]
    private partial void LogCommitFailed(Exception exception, int devices);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording watermarks still fails: {Failures} more failed batches since the last line, failing since {Since:u} ({Reason}); nothing of them is acknowledged")]
    private partial void LogStillFailing(long failures, DateTimeOffset since, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording watermarks works again after {Failures} failed batches over {Lasted}")]
    private partial void LogCommittingAgain(long failures, TimeSpan lasted);
}
