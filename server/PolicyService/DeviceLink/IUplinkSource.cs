namespace SmartTerminal.PolicyService.DeviceLink;

/// <summary>
/// One message a device published on its up topic, as received (not yet parsed or trusted);
/// <paramref name="ReceivedTimestamp"/> is a <see cref="System.Diagnostics.Stopwatch"/> timestamp, for the acknowledgement lag.
/// </summary>
public readonly record struct DeviceUplink(string DeviceId, byte[] Payload, long ReceivedTimestamp);

/// <summary>
/// Where device uplinks come from, whatever broker carries them: the embedded broker's publish hook
/// today, a shared subscription on an external broker later. Ingestion reads them in order of arrival.
/// A source is bounded: when ingestion falls behind, it stops taking uplinks from the broker instead of
/// dropping them.
/// </summary>
public interface IUplinkSource
{
    IAsyncEnumerable<DeviceUplink> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Uplinks received and not yet read.</summary>
    int Waiting { get; }
}
