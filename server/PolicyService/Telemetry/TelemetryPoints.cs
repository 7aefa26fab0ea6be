using System.Globalization;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Ingestion;

namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>An uplink's points as line protocol, one line each.</summary>
public sealed record TelemetryLines(string Text, int Count)
{
    public static readonly TelemetryLines None = new(string.Empty, 0);
}

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

    public static TelemetryLines From(string fleetId, string deviceId, UplinkEnvelope uplink) =>
        From(fleetId, deviceId, uplink, UplinkVerdict.AllAccepted);

    /// <summary>The points of the records the verdict accepts; each keeps its index in the uplink.</summary>
    public static TelemetryLines From(string fleetId, string deviceId, UplinkEnvelope uplink, UplinkVerdict verdict)
    {
        var points = new LineProtocol();
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
                    points.Point("usage")
                        .Tag("category", ((int)record.Category).ToString(CultureInfo.InvariantCulture))
                        .Tag("device", deviceId)
                        .Tag("fleet", fleetId)
                        .Field("app", (long)record.AppId)
                        .Field("bucket_seconds", (long)record.BucketSeconds)
                        .Field("used_seconds", (long)record.UsedSeconds)
                        .Timestamp(Time(record.BucketStartUnix, uplink.Sequence, i));
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
                    points.Point("events")
                        .Tag("device", deviceId)
                        .Tag("fleet", fleetId)
                        .Tag("kind", ((int)e.Kind).ToString(CultureInfo.InvariantCulture))
                        .Field("detail", e.Detail)
                        .Field("reason", (long)e.Reason)
                        .Field("subject", (long)e.Subject)
                        .Timestamp(Time(e.AtUnix, uplink.Sequence, i));
                }

                break;
            case UplinkEnvelope.BodyOneofCase.Heartbeat when verdict.Accepts(0):
                points.Point("heartbeat")
                    .Tag("device", deviceId)
                    .Tag("fleet", fleetId)
                    .Field("clock_state", (long)uplink.Heartbeat.ClockState)
                    .Field("firmware", uplink.Heartbeat.FirmwareVersion)
                    .Field("outbox_messages", (long)uplink.Heartbeat.OutboxMessages)
                    .Field("policy_version", (long)uplink.Heartbeat.PolicyVersion)
                    .Timestamp(Time(uplink.CreatedAtUnixMs / 1000, uplink.Sequence, 0));
                break;
        }

        return points.IsEmpty ? TelemetryLines.None : new TelemetryLines(points.ToString(), points.Count);
    }

    // Within the record's second: sequence (mod 10^6) in microseconds, index in nanoseconds.
    private static long Time(long unixSeconds, ulong sequence, int index) =>
        (unixSeconds * NanosPerSecond) + ((long)(sequence % 1_000_000) * 1_000) + (index % 1_000);
}
