using System.Buffers;
using System.Threading.Channels;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// Uplinks received by the embedded broker, queued for processing off the broker's thread. Bounded:
/// when full, an uplink is dropped here, and the device sends it again because the service has not
/// acknowledged it.
/// </summary>
public sealed class UplinkInbox
{
    private readonly Channel<(string DeviceId, byte[] Payload)> _channel =
        Channel.CreateBounded<(string, byte[])>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });

    public ChannelReader<(string DeviceId, byte[] Payload)> Reader => _channel.Reader;

    public void Post(string deviceId, ReadOnlySequence<byte> payload) => _channel.Writer.TryWrite((deviceId, payload.ToArray()));
}
