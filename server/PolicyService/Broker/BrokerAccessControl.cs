using System.Buffers;
using System.Net;
using Google.Protobuf;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Registry;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>Who a broker connection belongs to.</summary>
/// <param name="IsService">True for this service's own account.</param>
/// <param name="DeviceId">The device id for device connections.</param>
public sealed record BrokerIdentity(bool IsService, string? DeviceId);

/// <summary>
/// Authentication and topic access for the embedded broker (design brief section 1). A device logs
/// in with its id as both client id and user name and its own password; it may publish only to its
/// own up and status topics and subscribe only to its own policy and control topics, by exact name
/// (no wildcards). The service account may use every topic.
/// </summary>
public sealed class BrokerAccessControl(ServiceAccount serviceAccount, DeviceRegistry devices, LoginThrottle throttle)
{
    /// <summary>Client id of messages the service injects in-process; no client may connect with it.</summary>
    public const string InjectedSenderId = "$policy-service";

    internal const string IdentityKey = "st.identity";

    /// <summary>
    /// Checks a connection's credentials. Known and unknown device ids get the same answer at the same
    /// cost; past the failure limit per client id or address the password is not even checked.
    /// </summary>
    public async Task<(BrokerIdentity? Identity, MqttConnectReasonCode Refusal)> AuthenticateAsync(string clientId, string? userName, string? password, EndPoint? remote)
    {
        if (string.IsNullOrEmpty(clientId) || clientId.StartsWith('$'))
        {
            return (null, MqttConnectReasonCode.ClientIdentifierNotValid);
        }

        if (throttle.IsBlocked(clientId, remote))
        {
            return (null, MqttConnectReasonCode.ConnectionRateExceeded);
        }

        if (serviceAccount.Matches(userName, password))
        {
            return (new BrokerIdentity(IsService: true, DeviceId: null), MqttConnectReasonCode.Success);
        }

        // A device's client id must be its own id, so no device can take over another's session.
        if (userName is not null && clientId == userName && await devices.AuthenticateAsync(userName, password))
        {
            throttle.Succeeded(clientId, remote);
            return (new BrokerIdentity(IsService: false, DeviceId: userName), MqttConnectReasonCode.Success);
        }

        throttle.Failed(clientId, remote);
        return (null, MqttConnectReasonCode.BadUserNameOrPassword);
    }

    public Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        var identity = IdentityOf(args.SessionItems);
        var topic = args.TopicFilter.Topic;
        var allowed = identity is { IsService: true }
            || (identity?.DeviceId is { } id && (topic == Topics.Policy(id) || topic == Topics.Control(id)));
        if (!allowed)
        {
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        }

        return Task.CompletedTask;
    }

    public Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        var identity = IdentityOf(args.SessionItems);
        if (identity is null && args.ClientId == InjectedSenderId)
        {
            return Task.CompletedTask;
        }

        if (identity is { IsService: true })
        {
            return Task.CompletedTask;
        }

        var message = args.ApplicationMessage;
        var topic = message.Topic;
        if (identity?.DeviceId is { } deviceId && topic == Topics.Up(deviceId) && !message.Retain)
        {
            if (message.Payload.Length > UplinkLimits.MaxUplinkBytes)
            {
                // No SmartTerminal device builds this: refuse it and end the session.
                return Refuse(args, MqttPubAckReasonCode.PayloadFormatInvalid, closeConnection: true);
            }

            return Task.CompletedTask;
        }

        if (identity?.DeviceId is { } statusDevice && topic == Topics.Status(statusDevice))
        {
            // Retained per device: only a small, well-formed status may be kept.
            return IsDeviceStatus(message.Payload) ? Task.CompletedTask : Refuse(args, MqttPubAckReasonCode.PayloadFormatInvalid, closeConnection: false);
        }

        return Refuse(args, MqttPubAckReasonCode.NotAuthorized, closeConnection: false);
    }

    /// <summary>The device whose uplink this accepted publish is (its own up topic, not retained), or null.</summary>
    public static string? UplinkDevice(InterceptingPublishEventArgs args) =>
        args.ProcessPublish && IdentityOf(args.SessionItems) is { DeviceId: { } deviceId } && args.ApplicationMessage.Topic == Topics.Up(deviceId) && !args.ApplicationMessage.Retain
            ? deviceId
            : null;

    private static Task Refuse(InterceptingPublishEventArgs args, MqttPubAckReasonCode reason, bool closeConnection)
    {
        args.ProcessPublish = false;
        args.CloseConnection = closeConnection;
        args.Response.ReasonCode = reason;
        return Task.CompletedTask;
    }

    private static bool IsDeviceStatus(ReadOnlySequence<byte> payload)
    {
        if (payload.Length > UplinkLimits.MaxStatusBytes)
        {
            return false;
        }

        try
        {
            DeviceStatus.Parser.ParseFrom(payload);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private static BrokerIdentity? IdentityOf(System.Collections.IDictionary? items) =>
        items?[IdentityKey] as BrokerIdentity;
}
