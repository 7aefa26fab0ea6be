using Google.Protobuf;
using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// The first stage of ingestion: parses an uplink and turns it into points. An uplink that does not
/// parse, or has no sequence number, goes to the quarantine byte for byte; if its sequence number can
/// still be read, it is acknowledged from there. Records with impossible times or unknown categories
/// are quarantined and the rest written. Policy acknowledgements and heartbeats carry the version the
/// device enforces on to the commit (recorded with the watermarks); a heartbeat, which a device sends as soon as it has connected, is answered with
/// the service's time (a trusted anchor for the device's clock, design brief section 4).
/// </summary>
public sealed partial class UplinkDecoder(
    PolicyDistributor distributor,
    UplinkQuarantine quarantine,
    UplinkWatermarks watermarks,
    DeviceFleets fleets,
    IDeviceDownlink downlink,
    TelemetryWriter telemetry,
    AskedRequests requests,
    IngestMetrics metrics,
    IOptions<TelemetryOptions> limits,
    TimeProvider time,
    ILogger<UplinkDecoder> logger)
{
    /// <summary>What to pass on for acknowledgement, or null when there is nothing to acknowledge.</summary>
    public async Task<PendingUplink?> DecodeAsync(DeviceUplink received, CancellationToken cancellationToken)
    {
        var (deviceId, payload, receivedAt) = received;
        if (await fleets.OfAsync(deviceId) is null)
        {
            // The embedded broker admits registered devices only; an external broker's topic rights should
            // too, but a login left behind there (or a misconfigured broker) must not write telemetry.
            LogUnknownDevice(deviceId, payload.Length);
            return null;
        }

        UplinkEnvelope uplink;
        try
        {
            uplink = UplinkEnvelope.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            var salvaged = UplinkQuarantine.SalvageSequence(payload);
            await KeepAsync(deviceId, payload, salvaged, e.Message);
            return Acknowledgeable(deviceId, salvaged, payload, receivedAt);
        }

        if (uplink.Sequence == 0)
        {
            await KeepAsync(deviceId, payload, 0, "no sequence number");
            return null;
        }

        if (uplink.BodyCase == UplinkEnvelope.BodyOneofCase.Heartbeat)
        {
            var sync = new ControlMessage { TimeSync = new TimeSync { ServerUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds() } };
            await downlink.PublishControlAsync(deviceId, sync.ToByteArray(), cancellationToken);
        }

        if (uplink.Sequence <= await watermarks.GetAsync(deviceId))
        {
            metrics.Resent();
            return new PendingUplink(deviceId, uplink.Sequence, TelemetryLines.None, payload, receivedAt, IsResend: true);
        }

        var report = ReportOf(uplink);
        if (!telemetry.Enabled)
        {
            // Nothing is durable without InfluxDB: not acknowledged, the device keeps its data; its policy
            // report is still recorded, one at a time.
            if (report is { } alone)
            {
                await distributor.ResendToLaggingAsync(await distributor.RecordReportsAsync([(deviceId, alone)]), cancellationToken);
            }

            return null;
        }

        var verdict = UplinkValidation.Check(uplink, time.GetUtcNow(), await fleets.RegisteredAtAsync(deviceId) ?? DateTimeOffset.MinValue, limits.Value);
        if (verdict.Reason is { } refused)
        {
            await KeepAsync(deviceId, payload, uplink.Sequence, refused);
        }

        var points = TelemetryPoints.From(await fleets.OfAsync(deviceId) ?? string.Empty, deviceId, uplink, verdict);
        return new PendingUplink(
            deviceId, uplink.Sequence, points, payload, receivedAt, Report: report,
            UsageCompleteThroughUnix: verdict.Reason is null ? CompleteThrough(uplink) : 0, Requests: await requests.OfAsync(deviceId, uplink, verdict));
    }

    // A heartbeat's claim, from a trusted clock only, never later than the heartbeat itself or the
    // service's clock (a device cannot make its guardian's view complete through tomorrow).
    private long CompleteThrough(UplinkEnvelope uplink) => uplink.BodyCase == UplinkEnvelope.BodyOneofCase.Heartbeat && uplink.Heartbeat.ClockState == ClockState.Trusted
        ? Math.Clamp(uplink.Heartbeat.UsageCompleteThroughUnix, 0, Math.Min(uplink.CreatedAtUnixMs / 1000, time.GetUtcNow().ToUnixTimeSeconds()))
        : 0;

    private PendingUplink? Acknowledgeable(string deviceId, ulong sequence, byte[] payload, long receivedAt) =>
        sequence > 0 && telemetry.Enabled ? new PendingUplink(deviceId, sequence, TelemetryLines.None, payload, receivedAt) : null;

    private async Task KeepAsync(string deviceId, byte[] payload, ulong sequence, string reason)
    {
        if (await quarantine.KeepAsync(deviceId, sequence, reason, payload) == QuarantineOutcome.Kept)
        {
            metrics.Quarantined();
            LogQuarantined(deviceId, payload.Length, sequence, reason);
        }
    }

    private PolicyReport? ReportOf(UplinkEnvelope uplink) => uplink.BodyCase switch
    {
        UplinkEnvelope.BodyOneofCase.PolicyAck => new PolicyReport(uplink.Sequence, uplink.PolicyAck.AppliedVersion, uplink.PolicyAck.Refusal, time.GetUtcNow()),
        UplinkEnvelope.BodyOneofCase.Heartbeat => new PolicyReport(uplink.Sequence, uplink.Heartbeat.PolicyVersion, PolicyRefusal.None, time.GetUtcNow(), PolicyReport.FirmwareOf(uplink.Heartbeat.FirmwareVersion)),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored an uplink from {DeviceId} ({Bytes} bytes): no such device is registered")]
    private partial void LogUnknownDevice(string deviceId, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Uplink from {DeviceId} ({Bytes} bytes, sequence {Sequence}, 0 if unknown) quarantined: {Reason}")]
    private partial void LogQuarantined(string deviceId, int bytes, ulong sequence, string reason);
}
