using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.DeviceLink;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// Ingestion as a pipeline with group commit (design brief section 2): uplinks of many devices are
/// decoded as they arrive, collected into batches (<see cref="IngestOptions.MaxBatchPoints"/> points or
/// <see cref="IngestOptions.MaxBatchDelayMilliseconds"/>), each batch is one InfluxDB write, then one
/// transaction advances every watermark of the batch, then the acknowledgements go out. Decoding,
/// writing (<see cref="IngestOptions.WritesInFlight"/> at once) and committing run concurrently over
/// bounded queues, so a slow stage slows the ones before it down to the broker, which stops reading
/// the senders: nothing is dropped and nothing grows without bound. A batch that fails acknowledges
/// nothing of it.
/// </summary>
public sealed partial class UplinkPipeline : BackgroundService
{
    private readonly IUplinkSource _source;
    private readonly UplinkDecoder _decoder;
    private readonly BatchWriter _writer;
    private readonly AckCommitter _committer;
    private readonly IngestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<UplinkPipeline> _logger;
    private readonly Channel<PendingUplink> _decoded;
    private readonly Channel<UplinkBatch> _batched;
    private readonly Channel<UplinkBatch> _written;
    private readonly RepeatedFailures _decodeFailures;

    public UplinkPipeline(
        IUplinkSource source, UplinkDecoder decoder, BatchWriter writer, AckCommitter committer, TelemetryOutage outage,
        IngestMetrics metrics, IOptions<IngestOptions> options, TimeProvider time, ILogger<UplinkPipeline> logger)
    {
        (_source, _decoder, _writer, _committer, _options, _time, _logger) = (source, decoder, writer, committer, options.Value, time, logger);
        _decodeFailures = new RepeatedFailures(TimeSpan.FromSeconds(_options.OutageLogSeconds), time);
        // Decoded uplinks waiting for a batch: enough for two full batches even of one-point uplinks.
        _decoded = Channel.CreateBounded<PendingUplink>(new BoundedChannelOptions(_options.MaxBatchPoints * 2) { SingleReader = true, SingleWriter = true });
        _batched = Channel.CreateBounded<UplinkBatch>(new BoundedChannelOptions(1) { SingleWriter = true });
        _written = Channel.CreateBounded<UplinkBatch>(new BoundedChannelOptions(_options.WritesInFlight * 2) { SingleReader = true });
        metrics.Observe(
            () =>
            [
                new Measurement<int>(_source.Waiting, new KeyValuePair<string, object?>("stage", "intake")),
                new Measurement<int>(_decoded.Reader.Count, new KeyValuePair<string, object?>("stage", "batching")),
                new Measurement<int>(_batched.Reader.Count, new KeyValuePair<string, object?>("stage", "writing")),
                new Measurement<int>(_written.Reader.Count, new KeyValuePair<string, object?>("stage", "acknowledging")),
            ],
            () => !outage.IsDown);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll([
            Task.Run(() => DecodeAsync(stoppingToken), stoppingToken),
            Task.Run(() => BatchAsync(stoppingToken), stoppingToken),
            .. Enumerable.Range(0, _options.WritesInFlight).Select(_ => Task.Run(() => WriteAsync(stoppingToken), stoppingToken)),
            Task.Run(() => CommitAsync(stoppingToken), stoppingToken),
        ]);

    private async Task DecodeAsync(CancellationToken stoppingToken)
    {
        await foreach (var uplink in _source.ReadAllAsync(stoppingToken))
        {
            try
            {
                var pending = await _decoder.DecodeAsync(uplink, stoppingToken);
                if (_decodeFailures.Succeeded() is { } run)
                {
                    LogDecodingRecovered(run.Failures, run.Lasted);
                }

                if (pending is not null)
                {
                    await _decoded.Writer.WriteAsync(pending, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failing state database (locked, disk full) must not stop ingestion: nothing is
                // acknowledged, the device sends the uplink again, and the loop goes on. Logged once, then summarised.
                var line = _decodeFailures.Failed();
                if (line.Kind == FailureLogKind.First)
                {
                    LogDecodeFailed(e, uplink.DeviceId, uplink.Payload.Length);
                }
                else if (line.Kind == FailureLogKind.Summary)
                {
                    LogDecodeStillFailing(line.Count, line.Since, e.Message);
                }
            }
        }
    }

    private async Task BatchAsync(CancellationToken stoppingToken)
    {
        var reader = _decoded.Reader;
        var maxDelay = TimeSpan.FromMilliseconds(_options.MaxBatchDelayMilliseconds);
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            var batch = new UplinkBatch();
            var first = _time.GetTimestamp();
            while (batch.Points < _options.MaxBatchPoints)
            {
                if (reader.TryRead(out var uplink))
                {
                    batch.Add(uplink);
                    continue;
                }

                var left = maxDelay - _time.GetElapsedTime(first);
                if (left <= TimeSpan.Zero || !await MoreWithinAsync(reader, left, stoppingToken))
                {
                    break;
                }
            }

            await _batched.Writer.WriteAsync(batch, stoppingToken);
        }
    }

    private async Task<bool> MoreWithinAsync(ChannelReader<PendingUplink> reader, TimeSpan left, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(left);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task WriteAsync(CancellationToken stoppingToken)
    {
        await foreach (var batch in _batched.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await _writer.WriteAsync(batch, () => _batched.Reader.Count + 1, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Dead-lettering needs the state database; when it fails the batch is not acknowledged.
                LogWriteFailed(e, batch.Uplinks.Count);
                continue;
            }

            await _written.Writer.WriteAsync(batch, stoppingToken);
        }
    }

    private async Task CommitAsync(CancellationToken stoppingToken)
    {
        await foreach (var batch in _written.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await _committer.CommitAsync(batch, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogCommitFailed(e, batch.Uplinks.Count);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Decoding an uplink of {DeviceId} ({Bytes} bytes) failed; not acknowledged, the device will send it again")]
    private partial void LogDecodeFailed(Exception exception, string deviceId, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Decoding still fails: {Count} more uplinks not processed (failing since {Since:O}): {Error}")]
    private partial void LogDecodeStillFailing(long count, DateTimeOffset since, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Decoding works again after {Lasted} ({Failures} uplinks were not processed; their devices send them again)")]
    private partial void LogDecodingRecovered(long failures, TimeSpan lasted);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing a batch of {Uplinks} uplinks failed; not acknowledged, the devices send them again")]
    private partial void LogWriteFailed(Exception exception, int uplinks);

    [LoggerMessage(Level = LogLevel.Error, Message = "Acknowledging a batch of {Uplinks} uplinks failed; the devices send them again")]
    private partial void LogCommitFailed(Exception exception, int uplinks);
}
