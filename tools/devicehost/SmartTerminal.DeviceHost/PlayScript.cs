using SmartTerminal.Device.Core.Enforcement;

namespace SmartTerminal.DeviceHost;

/// <summary>Scripted child activity: an app opened for a while at a fixed interval of virtual time.</summary>
public sealed class PlayScript(uint appId, TimeSpan length, TimeSpan every)
{
    /// <summary>Starts or stops the device's activity according to its virtual monotonic time.</summary>
    public void Apply(VirtualDevice device)
    {
        var phase = TimeSpan.FromMilliseconds(device.Clock.MonotonicMs % (long)every.TotalMilliseconds);
        var engine = device.Runtime.Engine;
        if (phase < length)
        {
            if (!engine.IsActivityRunning)
            {
                engine.StartActivity(appId);
            }

            engine.NoteInteraction();
        }
        else if (engine.IsActivityRunning)
        {
            engine.StopActivity();
        }
    }
}
