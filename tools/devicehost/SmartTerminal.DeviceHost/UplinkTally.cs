using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.DeviceHost;

/// <summary>
/// What a device sent and what the service acknowledged, in usage seconds: so a tester can compare the
/// device's own totals with what the service reports (acknowledged means stored in InfluxDB).
/// </summary>
public sealed class UplinkTally
{
    private readonly object _sync = new();
    private readonly SortedDictionary<ulong, long> _usageBySequence = [];
    private long _acknowledgedSeconds;

    /// <summary>Highest sequence the service acknowledged.</summary>
    public ulong AckedThrough { get; private set; }

    /// <summary>Highest sequence sent.</summary>
    public ulong LastSent { get; private set; }

    /// <summary>Usage seconds in every uplink sent at least once (resends and failed attempts counted once).</summary>
    public long SentSeconds { get; private set; }

    /// <summary>Usage seconds in the uplinks the service acknowledged.</summary>
    public long AcknowledgedSeconds
    {
        get
        {
            lock (_sync)
            {
                return _acknowledgedSeconds;
            }
        }
    }

    public void Sent(byte[] payload, int offset, int count)
    {
        if (UplinkEnvelope.TryDecode(payload, offset, count, out var uplink) != Device.Core.Protobuf.ProtoError.None)
        {
            return;
        }

        lock (_sync)
        {
            LastSent = Math.Max(LastSent, uplink.Sequence);
            if (uplink.Sequence <= AckedThrough || _usageBySequence.ContainsKey(uplink.Sequence))
            {
                return;
            }

            var seconds = uplink.Body == UplinkBody.Usage ? uplink.Usage.Sum(r => (long)r.UsedSeconds) : 0;
            _usageBySequence[uplink.Sequence] = seconds;
            SentSeconds += seconds;
        }
    }

    public void Acknowledged(ulong through)
    {
        lock (_sync)
        {
            AckedThrough = Math.Max(AckedThrough, through);
            foreach (var sequence in _usageBySequence.Keys.TakeWhile(s => s <= AckedThrough).ToList())
            {
                _acknowledgedSeconds += _usageBySequence[sequence];
                _usageBySequence.Remove(sequence);
            }
        }
    }
}
