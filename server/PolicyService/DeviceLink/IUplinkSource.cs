namespace SmartTerminal.PolicyService.DeviceLink;

/// <summary>One message a device published on its up topic, as received (not yet parsed or trusted).</summary>
public readonly record struct DeviceUplink(string DeviceId, byte[] Payload);

/// <summary>
/// Where device uplinks come from, whatever broker carries them: the embedded broker's publish hook
/// today, a shared subscription on an external broker later. Ingestion reads them in order of arrival.
/// </summary>
public interface IUplinkSource
{
    IAsyncEnumerable<DeviceUplink> ReadAllAsync(CancellationToken cancellationToken);
}
