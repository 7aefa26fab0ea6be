using MQTTnet.Protocol;
using MQTTnet.Server;
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
public sealed class BrokerAccessControl(ServiceAccount serviceAccount, DeviceRegistry devices, UplinkInbox inbox)
{
    /// <summary>Client id of messages the service injects in-process; no client may connect with it.</summary>
    public const string InjectedSenderId = "$policy-service";

    internal const string IdentityKey = "st.identity";

    public BrokerIdentity? Authenticate(string clientId, string? userName, string? password)
    {
        if (string.IsNullOrEmpty(clientId) || clientId.StartsWith('$'))
        {
            return null;
        }

        if (serviceAccount.Matches(userName, password))
        {
            return new BrokerIdentity(IsService: true, DeviceId: null);
        }

        // A device's client id must be its own id, so no device can take over another's session.
        return userName is not null && clientId == userName && devices.Authenticate(userName, password)
            ? new BrokerIdentity(IsService: false, DeviceId: userName)
            : null;
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

        var topic = args.ApplicationMessage.Topic;
        if (identity?.DeviceId is { } deviceId && topic == Topics.Up(deviceId) && !args.ApplicationMessage.Retain)
        {
            inbox.Post(deviceId, args.ApplicationMessage.Payload);
            return Task.CompletedTask;
        }

        if (identity?.DeviceId is { } statusDevice && topic == Topics.Status(statusDevice))
        {
            return Task.CompletedTask;
        }

        args.ProcessPublish = false;
        args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
        return Task.CompletedTask;
    }

    private static BrokerIdentity? IdentityOf(System.Collections.IDictionary? items) =>
        items?[IdentityKey] as BrokerIdentity;
}
