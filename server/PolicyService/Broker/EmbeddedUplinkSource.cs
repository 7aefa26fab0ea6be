using System.Buffers;
using System.Threading.Channels;
using SmartTerminal.PolicyService.DeviceLink;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// The uplinks the embedded broker accepted, queued for ingestion off the broker's thread. Bounded:
/// when full, an uplink is dropped here, and the device sends it again because the service has not
/// acknowledged it.
/// </summary>
public sealed class EmbeddedUplinkSource : IUplinkSource
{
    private readonly Channel<DeviceUplink> _channel =
        Channel.CreateBounded<DeviceUplink>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });

    public IAsyncEnumerable<DeviceUplink> ReadAllAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAllAsync(cancellationToken);

    public void Post(string deviceId, ReadOnlySequence<byte> payload) => _channel.Writer.TryWrite(new DeviceUplink(deviceId, payload.ToArray()));
}
