using SmartTerminal.Device.Core.Enforcement;

namespace SmartTerminal.DeviceHost;

/// <summary>
/// Scripted child activity: an app opened for a while at a fixed interval of virtual time, either
/// played (the child touches it throughout) or watched (a video playing with no touch at all, which the
/// host reports as ongoing, as the firmware head reports playback). Refused, the child tries again
/// only after <see cref="RetryAfterDenial"/>, as a child would, not every step.
/// </summary>
public sealed class PlayScript(uint appId, TimeSpan length, TimeSpan every, bool watch = false)
{
    public static readonly TimeSpan RetryAfterDenial = TimeSpan.FromMinutes(10);

    private readonly Dictionary<VirtualDevice, long> _retryAt = [];

    public uint AppId => appId;

    /// <summary>Starts or stops the device's activity according to its virtual monotonic time.</summary>
    public void Apply(VirtualDevice device)
    {
        var now = device.Clock.MonotonicMs;
        var phase = TimeSpan.FromMilliseconds(now % (long)every.TotalMilliseconds);
        var engine = device.Runtime.Engine;
        if (phase < length)
        {
            if (!engine.IsActivityRunning && now >= _retryAt.GetValueOrDefault(device))
            {
                var decision = engine.StartActivity(appId);
                device.LastDecision = decision;
                if (!decision.IsAllowed)
                {
                    _retryAt[device] = now + (long)RetryAfterDenial.TotalMilliseconds;
                }
                else if (watch)
                {
                    engine.SetOngoing(true);
                }
            }

            if (!watch && engine.IsActivityRunning)
            {
                engine.NoteInteraction();
            }
        }
        else if (engine.IsActivityRunning)
        {
            engine.StopActivity();
        }
    }
}
