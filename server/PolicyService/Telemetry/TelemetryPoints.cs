using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Ingestion;

namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>
/// Turns an uplink into InfluxDB points with deterministic timestamps: the record's own time plus an
/// offset made of the uplink's sequence number and the record's index. A replayed uplink therefore
/// writes exactly the same points (and overwrites them), while a later uplink that reports more use of
/// the same bucket (after a reboot) writes new points instead of overwriting the first.
/// Tags are low-cardinality on purpose: fleet, device, category, kind (the fleet tag lets a fleet's
/// reports read only its own series). No content, no URLs, no numbers.
/// </summary>
public static class TelemetryPoints
{
    private const long NanosPerSecond = 1_000_000_000;

    public static IReadOnlyList<PointData> From(string fleetId, string deviceId, UplinkEnvelope uplink) =>
        From(fleetId, deviceId, uplink, UplinkVerdict.AllAccepted);

    /// <summary>The points of the records the verdict accepts; each keeps its index in the uplink.</summary>
    public static IReadOnlyList<PointData> From(string fleetId, string deviceId, UplinkEnvelope uplink, UplinkVerdict verdict)
    {
        var points = new List<PointData>();
        switch (uplink.BodyCase)
        {
            case UplinkEnvelope.BodyOneofCase.Usage:
                for (var i = 0; i < uplink.Usage.Records.Count; i++)
                {
                    if (!verdict.Accepts(i))
                    {
                        continue;
                    }

                    var record = uplink.Usage.Records[i];
                    points.Add(PointData.Measurement("usage")
                        .Tag("fleet", fleetId)
                        .Tag("device", deviceId)
                        .Tag("category", ((int)record.Category).ToString(System.Globalization.CultureInfo.InvariantCulture))
                        .Field("used_seconds", (long)record.UsedSeconds)
                        .Field("bucket_seconds", (long)record.BucketSeconds)
                        .Field("app", (long)record.AppId)
                        .Timestamp(Time(record.BucketStartUnix, uplink.Sequence, i), WritePrecision.Ns));
                }

                break;
            case UplinkEnvelope.BodyOneofCase.Events:
                for (var i = 0; i < uplink.Events.Events.Count; i++)
                {
                    if (!verdict.Accepts(i))
                    {
                        continue;
                    }

                    var e = uplink.Events.Events[i];
                    points.Add(PointData.Measurement("events")
                        .Tag("fleet", fleetId)
                        .Tag("device", deviceId)
                        .Tag("kind", ((int)e.Kind).ToString(System.Globalization.CultureInfo.InvariantCulture))
                        .Field("reason", (long)e.Reason)
                        .Field("subject", (long)e.Subject)
                        .Field("detail", e.Detail)
                        .Timestamp(Time(e.AtUnix, uplink.Sequence, i), WritePrecision.Ns));
                }

                break;
            case UplinkEnvelope.BodyOneofCase.Heartbeat when verdict.Accepts(0):
                points.Add(PointData.Measurement("heartbeat")
                    .Tag("fleet", fleetId)
                    .Tag("device", deviceId)
                    .Field("policy_version", (long)uplink.Heartbeat.PolicyVersion)
                    .Field("outbox_messages", (long)uplink.Heartbeat.OutboxMessages)
                    .Field("clock_state", (long)uplink.Heartbeat.ClockState)
                    .Field("firmware", uplink.Heartbeat.FirmwareVersion)
                    .Timestamp(Time(uplink.CreatedAtUnixMs / 1000, uplink.Sequence, 0), WritePrecision.Ns));
                break;
        }

        return points;
    }

    // Within the record's second: sequence (mod 10^6) in microseconds, index in nanoseconds.
    private static long Time(long unixSeconds, ulong sequence, int index) =>
        (unixSeconds * NanosPerSecond) + ((long)(sequence % 1_000_000) * 1_000) + (index % 1_000);
}
