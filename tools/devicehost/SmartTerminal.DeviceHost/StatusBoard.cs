using System.Globalization;
using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Time;

namespace SmartTerminal.DeviceHost;

/// <summary>
/// One line per device, printed every few real seconds: what a person watching a demo wants to see
/// (local time of the device, policy version, use today and what is left, the last decision, the
/// outbox, and the usage seconds sent and acknowledged by the service).
/// </summary>
public static class StatusBoard
{
    public static string Line(VirtualDevice device, uint? scriptApp)
    {
        var runtime = device.Runtime;
        var engine = runtime.Engine;
        var outbox = runtime.Queue.Outbox;
        var tally = device.Tally;
        var offset = engine.Policy is { } policy ? TimeSpan.FromMinutes(LocalCalendar.OffsetMinutesAt(policy, engine.NowUnixMs / 1000)) : TimeSpan.Zero;
        var local = DateTimeOffset.FromUnixTimeMilliseconds(engine.NowUnixMs).ToOffset(offset);
        var left = scriptApp is { } app ? engine.CheckActivity(app) : (Decision?)null;
        var leftText = left is { } l ? l.IsAllowed ? l.MinutesLeft == int.MaxValue ? "no limit" : $"{l.MinutesLeft} min left" : $"refused: {l.Reason}" : "";
        var last = device.LastDecision is { } d ? d.IsAllowed ? $"last: allowed{(d.Kind == DecisionKind.AllowWithWarning ? " (warned)" : "")}" : $"last: refused {d.Reason}" : "last: -";
        return string.Create(CultureInfo.InvariantCulture,
            $"{device.Config.DeviceId} {local:yyyy-MM-dd HH:mm} | policy v{engine.Policy?.Version ?? 0} | used {engine.State.TotalUsedSeconds / 60} min today, {leftText} | {last}{(engine.IsActivityRunning ? engine.IsActivityOngoing ? ", watching" : ", playing" : "")} | outbox {outbox.PendingMessages} msg | sent {tally.SentSeconds} s, acknowledged {tally.AcknowledgedSeconds} s (through #{tally.AckedThrough} of #{tally.LastSent}) | {(device.IsConnected ? "online" : "offline")}");
    }
}
