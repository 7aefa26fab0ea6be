using System.Diagnostics;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// The second stage: writes a batch's points to InfluxDB in one request. A refusal (4xx) of the batch
/// is narrowed down by halving until the refused uplinks are found; those are dead-lettered (kept in
/// the quarantine with InfluxDB's reason, then acknowledged) and the rest is written: one bad uplink no
/// longer blocks its device forever. A transient failure (5xx, timeout, connection) is retried with
/// backoff for as long as it lasts, holding the batch: the queues before it fill and intake slows down,
/// so memory stays bounded and nothing is acknowledged that is not stored.
/// </summary>
public sealed partial class BatchWriter(TelemetryWriter telemetry, UplinkQuarantine quarantine, TelemetryOutage outage, IngestMetrics metrics, TimeProvider time, ILogger<BatchWriter> logger)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(5);

    /// <summary>Returns once every uplink of the batch is stored or dead-lettered; throws only when cancelled.</summary>
    public async Task WriteAsync(UplinkBatch batch, Func<int> batchesWaiting, CancellationToken cancellationToken)
    {
        var retry = FirstRetry;
        while (true)
        {
            try
            {
                await WriteNarrowingRefusalsAsync(batch.Uplinks, cancellationToken);
                outage.Succeeded();
                return;
            }
            catch (Exception e) when (InfluxFailures.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                metrics.WriteFailed();
                outage.Failed(e, batchesWaiting());
                await Task.Delay(retry, time, cancellationToken);
                retry = TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, retry.Ticks * 2));
            }
        }
    }

    private async Task WriteNarrowingRefusalsAsync(IReadOnlyList<PendingUplink> uplinks, CancellationToken cancellationToken)
    {
        var points = uplinks.Sum(u => u.Points.Count);
        if (points == 0)
        {
            return;
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            await telemetry.WriteAsync([.. uplinks.Select(u => u.Points)], cancellationToken);
            metrics.Written(points, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (InfluxFailures.IsRefusal(e))
        {
            if (uplinks.Count == 1)
            {
                await DeadLetterAsync(uplinks[0], InfluxFailures.Reason(e));
                return;
            }

            // Rewriting the accepted half is harmless: the same points have the same timestamps.
            var half = uplinks.Count / 2;
            await WriteNarrowingRefusalsAsync([.. uplinks.Take(half)], cancellationToken);
            await WriteNarrowingRefusalsAsync([.. uplinks.Skip(half)], cancellationToken);
        }
    }

    private async Task DeadLetterAsync(PendingUplink uplink, string reason)
    {
        await quarantine.KeepAsync(uplink.DeviceId, uplink.Sequence, reason, uplink.Payload);
        metrics.DeadLettered();
        LogDeadLettered(uplink.DeviceId, uplink.Sequence, uplink.Points.Count, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "InfluxDB refused uplink {Sequence} of {DeviceId} ({Points} points) for good; kept in the quarantine and acknowledged: {Reason}")]
    private partial void LogDeadLettered(string deviceId, ulong sequence, int points, string reason);
}
