using MQTTnet.Protocol;
using MQTTnet.Server;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>Who a broker connection belongs to.</summary>
/// <param name="IsService">True for this service's own account.</param>
/// <param name="DeviceId">The device id for device connections.</param>
public sealed record BrokerIdentity(bool IsService, string? DeviceId);

/// <summary>
/// Authentication and topic access for the embedded broker. The service account may use every
/// topic; devices get exactly what design brief section 1 grants them. Device credentials arrive
/// with the device registry (issue "PolicyService"); until then only the service account connects.
/// </summary>
public sealed class BrokerAccessControl(ServiceAccount serviceAccount)
{
    internal const string IdentityKey = "st.identity";

    public BrokerIdentity? Authenticate(string clientId, string? userName, string? password) =>
        serviceAccount.Matches(userName, password) ? new BrokerIdentity(IsService: true, DeviceId: null) : null;

    public Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        if (IdentityOf(args.SessionItems) is not { IsService: true })
        {
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        }

        return Task.CompletedTask;
    }

    public Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        // Messages the service injects in-process carry no session identity of a client.
        if (args.ClientId is not null && args.SessionItems is not null && IdentityOf(args.SessionItems) is not { IsService: true })
        {
            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
        }

        return Task.CompletedTask;
    }

    private static BrokerIdentity? IdentityOf(System.Collections.IDictionary? items) =>
        items?[IdentityKey] as BrokerIdentity;
}
