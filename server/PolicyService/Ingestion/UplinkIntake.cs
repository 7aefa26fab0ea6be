using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.DeviceLink;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// The uplinks a broker delivered, queued for ingestion off the broker's thread, whichever broker it
/// is. The embedded broker awaits <see cref="PostAsync"/> inside the sender's session, so waiting here
/// holds back that one device: first for its quota (a flooding device slows itself), then, when the
/// queue is full, for room (all senders slow down while ingestion catches up; nothing is dropped).
/// An external broker delivers every device's uplinks over one shared subscription, where waiting
/// for one device would hold back all: <see cref="OfferAsync"/> passes over an uplink beyond its
/// device's quota instead (not acknowledged, so the device sends it again later) and waits only for room.
/// </summary>
public sealed partial class UplinkIntake(IOptions<IngestOptions> options, DeviceQuota quota, IngestMetrics metrics, TimeProvider time, ILogger<UplinkIntake> logger)
    : IUplinkSource
{
    private static readonly TimeSpan FullLogInterval = TimeSpan.FromSeconds(10);

    private readonly Channel<DeviceUplink> _channel = Channel.CreateBounded<DeviceUplink>(
        new BoundedChannelOptions(options.Value.IntakeCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private long _lastFullLog = long.MinValue;
    private long _fullSinceLog;

    public int Waiting => _channel.Reader.Count;

    public IAsyncEnumerable<DeviceUplink> ReadAllAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAllAsync(cancellationToken);

    public async ValueTask PostAsync(string deviceId, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        var uplink = new DeviceUplink(deviceId, payload.ToArray(), Stopwatch.GetTimestamp());
        var wait = quota.Reserve(deviceId);
        if (wait > TimeSpan.Zero)
        {
            metrics.Throttled();
            await Task.Delay(wait, time, cancellationToken);
        }

        await EnqueueAsync(uplink, cancellationToken);
    }

    /// <summary>Queues the uplink if its device is within its quota; false when it was passed over.</summary>
    public async ValueTask<bool> OfferAsync(string deviceId, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (!quota.TryTake(deviceId))
        {
            metrics.Throttled();
            return false;
        }

        await EnqueueAsync(new DeviceUplink(deviceId, payload.ToArray(), Stopwatch.GetTimestamp()), cancellationToken);
        return true;
    }

    private async ValueTask EnqueueAsync(DeviceUplink uplink, CancellationToken cancellationToken)
    {
        if (!_channel.Writer.TryWrite(uplink))
        {
            metrics.IntakeFull();
            LogFullNowAndThen();
            await _channel.Writer.WriteAsync(uplink, cancellationToken);
        }

        metrics.Received();
    }

    private void LogFullNowAndThen()
    {
        Interlocked.Increment(ref _fullSinceLog);
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastFullLog);
        if ((last == long.MinValue || Stopwatch.GetElapsedTime(last, now) > FullLogInterval) && Interlocked.CompareExchange(ref _lastFullLog, now, last) == last)
        {
            LogIntakeFull(Interlocked.Exchange(ref _fullSinceLog, 0), _channel.Reader.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingestion is behind: {Times} uplinks found the intake full since the last report ({Waiting} waiting); the broker holds their senders until there is room")]
    private partial void LogIntakeFull(long times, int waiting);
}
