using SmartTerminal.PolicyService.Storage.Stores;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// A decoded uplink on its way through the pipeline: its points (none for a resend or a quarantined
/// uplink, which only need acknowledging), its bytes (kept in the quarantine if InfluxDB refuses it) and
/// the policy version it reports (a heartbeat or policy acknowledgement), recorded with its watermark,
/// the time before which a heartbeat says the child's usage is all sent (Unix seconds, 0 = none), and
/// what the child asked a guardian for (recorded with the watermarks too).
/// </summary>
public sealed record PendingUplink(
    string DeviceId, ulong Sequence, TelemetryLines Points, byte[] Payload, long ReceivedTimestamp, bool IsResend = false, PolicyReport? Report = null,
    long UsageCompleteThroughUnix = 0, IReadOnlyList<AskedRequest>? Requests = null);


/// <summary>Uplinks written to InfluxDB in one request.</summary>
public sealed class UplinkBatch
{
    private readonly List<PendingUplink> _uplinks = [];

    public IReadOnlyList<PendingUplink> Uplinks => _uplinks;

    public int Points { get; private set; }

    public void Add(PendingUplink uplink)
    {
        _uplinks.Add(uplink);
        Points += uplink.Points.Count;
    }
}
