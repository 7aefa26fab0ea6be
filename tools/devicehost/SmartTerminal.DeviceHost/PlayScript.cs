using SmartTerminal.Device.Core.Enforcement;

namespace SmartTerminal.DeviceHost;

/// <summary>
/// Scripted child activity: an app opened for a while at a fixed interval of virtual time, either
/// played (the child touches it throughout) or watched (a video playing with no touch at all, which the
/// host reports as ongoing, as the firmware head reports playback).
/// </summary>
public sealed class PlayScript(uint appId, TimeSpan length, TimeSpan every, bool watch = false)
{
    /// <summary>Starts or stops the device's activity according to its virtual monotonic time.</summary>
    public void Apply(VirtualDevice device)
    {
        var phase = TimeSpan.FromMilliseconds(device.Clock.MonotonicMs % (long)every.TotalMilliseconds);
        var engine = device.Runtime.Engine;
        if (phase < length)
        {
            if (!engine.IsActivityRunning && engine.StartActivity(appId).IsAllowed && watch)
            {
                engine.SetOngoing(true);
            }

            if (!watch)
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
