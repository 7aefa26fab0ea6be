using Google.Protobuf;
using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// Processes device uplinks (design brief section 2): stores telemetry in InfluxDB first, then
/// acknowledges on the device's control topic the highest contiguous sequence stored. Anything at or
/// below the watermark is a resend: it is acknowledged again and not stored twice. When the database
/// is down (or not configured), nothing is acknowledged, so the device keeps the data and sends it
/// again. Policy acknowledgements and heartbeats also update desired versus reported versions. An
/// uplink that does not parse, or has no sequence number, goes to the quarantine byte for byte; if its
/// sequence number can still be read, it is acknowledged from there. A heartbeat, which a device sends
/// as soon as it has connected and then every heartbeat interval, is answered with the service's time
/// (a trusted anchor for the device's clock, design brief section 4), whatever broker carried it.
/// </summary>
public sealed partial class UplinkProcessor(
    IUplinkSource uplinks,
    PolicyDistributor distributor,
    TelemetryWriter telemetry,
    UplinkWatermarks watermarks,
    UplinkQuarantine quarantine,
    DeviceFleets fleets,
    IDeviceDownlink downlink,
    IOptions<TelemetryOptions> limits,
    TimeProvider time,
    ILogger<UplinkProcessor> logger) : BackgroundService
{
    // Sequences stored above a device's watermark (after a failed write left a gap), until it closes.
    private readonly Dictionary<string, SortedSet<ulong>> _storedAhead = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (deviceId, payload) in uplinks.ReadAllAsync(stoppingToken))
        {
            try
            {
                await HandleAsync(deviceId, payload, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failing state database (locked, disk full) must not stop the service: nothing is
                // acknowledged, the device sends the uplink again, and the loop goes on.
                LogProcessingFailed(e, deviceId, payload.Length);
            }
        }
    }

    private async Task HandleAsync(string deviceId, byte[] payload, CancellationToken cancellationToken)
    {
        UplinkEnvelope uplink;
        try
        {
            uplink = UplinkEnvelope.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            await QuarantineAsync(deviceId, payload, UplinkQuarantine.SalvageSequence(payload), e.Message, cancellationToken);
            return;
        }

        if (uplink.Sequence == 0)
        {
            await QuarantineAsync(deviceId, payload, 0, "no sequence number", cancellationToken);
            return;
        }

        if (uplink.BodyCase == UplinkEnvelope.BodyOneofCase.Heartbeat)
        {
            var sync = new ControlMessage { TimeSync = new TimeSync { ServerUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds() } };
            await downlink.PublishControlAsync(deviceId, sync.ToByteArray(), cancellationToken);
        }

        await ProcessAsync(deviceId, uplink.Sequence, ct => StoreAsync(deviceId, uplink, payload, ct), cancellationToken);
    }

    private async Task<bool> StoreAsync(string deviceId, UplinkEnvelope uplink, byte[] payload, CancellationToken cancellationToken)
    {
        await RecordPolicyStateAsync(deviceId, uplink);
        if (!telemetry.Enabled)
        {
            return false;
        }

        // Records with impossible times or unknown categories are not written; the uplink's bytes go to
        // the quarantine with the reason (so nothing is lost) and the rest is stored and acknowledged.
        var verdict = UplinkValidation.Check(uplink, time.GetUtcNow(), await fleets.RegisteredAtAsync(deviceId) ?? DateTimeOffset.MinValue, limits.Value);
        if (verdict.Reason is { } refused)
        {
            await KeepAsync(deviceId, payload, uplink.Sequence, refused);
        }

        try
        {
            // The broker admits registered devices only; "" would tag a device deleted since it connected.
            await telemetry.WriteAsync(TelemetryPoints.From(await fleets.OfAsync(deviceId) ?? string.Empty, deviceId, uplink, verdict), cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStoreFailed(e, deviceId, uplink.Sequence);
            return false;
        }
    }

    private async Task QuarantineAsync(string deviceId, byte[] payload, ulong sequence, string reason, CancellationToken cancellationToken)
    {
        await KeepAsync(deviceId, payload, sequence, reason);
        if (sequence > 0)
        {
            await ProcessAsync(deviceId, sequence, _ => Task.FromResult(telemetry.Enabled), cancellationToken);
        }
    }

    private async Task KeepAsync(string deviceId, byte[] payload, ulong sequence, string reason)
    {
        if (await quarantine.KeepAsync(deviceId, sequence, reason, payload) == QuarantineOutcome.Kept)
        {
            LogQuarantined(deviceId, payload.Length, sequence, reason);
        }
    }

    // Stores an uplink above the watermark (store says whether it is durable), then acknowledges the
    // highest contiguous sequence; a resend at or below the watermark is only acknowledged again.
    private async Task ProcessAsync(string deviceId, ulong sequence, Func<CancellationToken, Task<bool>> store, CancellationToken cancellationToken)
    {
        var watermark = await watermarks.GetAsync(deviceId);
        if (sequence > watermark)
        {
            if (!await store(cancellationToken))
            {
                return;
            }

            watermark = await AdvanceAsync(deviceId, watermark, sequence);
        }

        if (telemetry.Enabled && watermark > 0)
        {
            var ack = new ControlMessage { UplinkAck = new UplinkAck { AckedThroughSequence = watermark } };
            await downlink.PublishControlAsync(deviceId, ack.ToByteArray(), cancellationToken);
        }
    }

    private async Task<ulong> AdvanceAsync(string deviceId, ulong watermark, ulong stored)
    {
        if (!_storedAhead.TryGetValue(deviceId, out var ahead))
        {
            ahead = [];
            _storedAhead[deviceId] = ahead;
        }

        ahead.Add(stored);
        while (ahead.Remove(watermark + 1))
        {
            watermark++;
        }

        if (ahead.Count == 0)
        {
            _storedAhead.Remove(deviceId);
        }

        await watermarks.SetAsync(deviceId, watermark);
        return watermark;
    }

    private Task RecordPolicyStateAsync(string deviceId, UplinkEnvelope uplink) => uplink.BodyCase switch
    {
        UplinkEnvelope.BodyOneofCase.PolicyAck => distributor.RecordReportAsync(deviceId, uplink.PolicyAck.AppliedVersion, uplink.PolicyAck.Refusal),
        UplinkEnvelope.BodyOneofCase.Heartbeat => distributor.RecordReportAsync(deviceId, uplink.Heartbeat.PolicyVersion, PolicyRefusal.None),
        _ => Task.CompletedTask,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unreadable uplink from {DeviceId} ({Bytes} bytes, sequence {Sequence}, 0 if unknown) quarantined: {Reason}")]
    private partial void LogQuarantined(string deviceId, int bytes, ulong sequence, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing an uplink of {DeviceId} ({Bytes} bytes) failed; not acknowledged, the device will send it again")]
    private partial void LogProcessingFailed(Exception exception, string deviceId, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing uplink {Sequence} of {DeviceId} failed; not acknowledged, the device will send it again")]
    private partial void LogStoreFailed(Exception exception, string deviceId, ulong sequence);
}
