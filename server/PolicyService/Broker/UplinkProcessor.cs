using Google.Protobuf;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Policies;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// Reads device uplinks and records what they say about policies: the version applied (PolicyAck, and
/// the heartbeat's policy version) and refusals. Malformed uplinks are logged and dropped.
/// Telemetry (usage, events) goes to InfluxDB once the telemetry pipeline exists.
/// </summary>
public sealed partial class UplinkProcessor(UplinkInbox inbox, PolicyDistributor distributor, ILogger<UplinkProcessor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (deviceId, payload) in inbox.Reader.ReadAllAsync(stoppingToken))
        {
            UplinkEnvelope uplink;
            try
            {
                uplink = UplinkEnvelope.Parser.ParseFrom(payload);
            }
            catch (InvalidProtocolBufferException e)
            {
                LogMalformed(deviceId, payload.Length, e.Message);
                continue;
            }

            switch (uplink.BodyCase)
            {
                case UplinkEnvelope.BodyOneofCase.PolicyAck:
                    distributor.RecordReport(deviceId, uplink.PolicyAck.AppliedVersion, uplink.PolicyAck.Refusal);
                    break;
                case UplinkEnvelope.BodyOneofCase.Heartbeat:
                    distributor.RecordReport(deviceId, uplink.Heartbeat.PolicyVersion, PolicyRefusal.None);
                    break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed uplink from {DeviceId} ({Bytes} bytes) dropped: {Reason}")]
    private partial void LogMalformed(string deviceId, int bytes, string reason);
}
