using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartTerminal.PolicyService.Broker.Transport;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Ingestion;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// Hosts the MQTTnet broker inside the service process (design brief section 6): the device link of
/// the embedded default. It carries the downlink (policies and control messages are injected into it),
/// hands accepted uplinks to ingestion through <see cref="UplinkIntake"/>, and ends device
/// sessions. MQTTnet keeps retained messages in memory only, so at start every device's current signed
/// policy is loaded back from the state database: a device that reconnects after a restart still
/// receives its policy.
/// </summary>
public sealed partial class EmbeddedMqttBroker : IHostedService, IDeviceDownlink, IDeviceSessions, IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly BrokerAccessControl _accessControl;
    private readonly ClientIdHandover _handover;
    private readonly StoredEnvelopes _envelopes;
    private readonly UplinkIntake _uplinks;
    private readonly ILogger<EmbeddedMqttBroker> _logger;
    private readonly MqttServer _server;
    private readonly UplinkObservers _observers = new();

    public EmbeddedMqttBroker(IOptions<BrokerOptions> options, BrokerAccessControl accessControl, ClientIdHandover handover, StoredEnvelopes envelopes, UplinkIntake uplinks, ILogger<EmbeddedMqttBroker> logger)
    {
        _handover = handover;
        _uplinks = uplinks;
        _options = options.Value;
        _accessControl = accessControl;
        _envelopes = envelopes;
        _logger = logger;
        // MQTTnet's own listener binds [::] besides the configured address and has no packet size limit:
        // the guarded adapter binds exactly BindAddress and refuses oversized packets at their header.
        var address = IPAddress.Parse(_options.BindAddress);
        var endpoints = new List<BrokerEndpoint> { new(address, _options.Port, null) };
        if (_options.TlsPort != 0)
        {
            endpoints.Add(new BrokerEndpoint(address, _options.TlsPort, X509CertificateLoader.LoadPkcs12FromFile(_options.TlsCertificatePath!, _options.TlsCertificatePassword)));
        }

        Listener = new GuardedTcpServerAdapter(endpoints, UplinkLimits.MaxPacketBytes, logger);
        _server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder().Build(), [Listener]);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingSubscriptionAsync += _accessControl.InterceptSubscriptionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.LoadingRetainedMessageAsync += LoadRetainedPoliciesAsync;
        _server.ClientSubscribedTopicAsync += e =>
        {
            _observers.Subscribed(e.ClientId, e.TopicFilter.Topic);
            return Task.CompletedTask;
        };
        _server.ClientUnsubscribedTopicAsync += e =>
        {
            _observers.Unsubscribed(e.ClientId, e.TopicFilter);
            return Task.CompletedTask;
        };
        _server.ClientDisconnectedAsync += e =>
        {
            _observers.Disconnected(e.ClientId);
            _handover.Ended(e.ClientId, e.SessionItems);
            return Task.CompletedTask;
        };
    }

    public bool IsStarted => _server.IsStarted;

    public GuardedTcpServerAdapter Listener { get; }

    public int Port => _options.Port;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _server.StartAsync();
        LogStarted(_options.BindAddress, _options.Port, _options.TlsPort);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server.IsStarted)
        {
            await _server.StopAsync(new MqttServerStopOptions());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _server.Dispose();
    }

    public Task PublishPolicyAsync(string deviceId, byte[] envelope, CancellationToken cancellationToken) =>
        InjectAsync(Topics.Policy(deviceId), envelope, retain: true, cancellationToken);

    // An empty retained message deletes the retained one (MQTT 3.3.1.3).
    public Task ClearPolicyAsync(string deviceId, CancellationToken cancellationToken) =>
        InjectAsync(Topics.Policy(deviceId), [], retain: true, cancellationToken);

    public Task PublishControlAsync(string deviceId, byte[] message, CancellationToken cancellationToken) =>
        InjectAsync(Topics.Control(deviceId), message, retain: false, cancellationToken);

    public async Task DisconnectAsync(string deviceId, CancellationToken cancellationToken)
    {
        // A device's client id is its device id (BrokerAccessControl enforces it).
        try
        {
            await _server.DisconnectClientAsync(deviceId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.NotAuthorized, ReasonString = "credentials changed" });
            LogSessionEnded(deviceId);
        }
        catch (InvalidOperationException)
        {
            // Not connected.
        }
    }

    private Task InjectAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        return _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = BrokerAccessControl.InjectedSenderId }, cancellationToken);
    }

    // The access control decides; what it accepted on a device's up topic goes to ingestion.
    private async Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        await _accessControl.InterceptPublishAsync(args);
        if (BrokerAccessControl.UplinkDevice(args) is { } deviceId)
        {
            // Awaited in the sender's session: a device over its quota, or a full intake, holds back this sender only.
            await _uplinks.PostAsync(deviceId, args.ApplicationMessage.Payload, args.CancellationToken);
            // Taken by ingestion; routed on only when someone subscribed to uplinks (the device still gets its PUBACK).
            args.ProcessPublish = _observers.Any;
        }
    }

    private async Task LoadRetainedPoliciesAsync(LoadingRetainedMessagesEventArgs args)
    {
        foreach (var (deviceId, envelope) in await _envelopes.AllAsync())
        {
            args.LoadedRetainedMessages.Add(new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Policy(deviceId))
                .WithPayload(envelope)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag()
                .Build());
        }

        LogRetainedLoaded(args.LoadedRetainedMessages.Count);
    }

    private async Task ValidateConnectionAsync(ValidatingConnectionEventArgs args)
    {
        var (identity, refusal) = await _accessControl.AuthenticateAsync(args.ClientId, args.UserName, args.Password, args.RemoteEndPoint);
        if (identity is null)
        {
            args.ReasonCode = refusal;
            LogRefused(args.ClientId, args.UserName, refusal);
            return;
        }

        args.SessionItems[BrokerAccessControl.IdentityKey] = identity;
        args.SessionItems[ClientIdHandover.TurnKey] = await _handover.TakeTurnAsync(
            args.ClientId,
            () => _server.DisconnectClientAsync(args.ClientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.SessionTakenOver }),
            CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port} (TLS port {TlsPort}, 0 = off)")]
    private partial void LogStarted(string address, int port, int tlsPort);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ended the broker session of {DeviceId}: its credentials changed")]
    private partial void LogSessionEnded(string deviceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Count} retained policies")]
    private partial void LogRetainedLoaded(int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT connection refused for client {ClientId} (user {UserName}): {Refusal}")]
    private partial void LogRefused(string clientId, string? userName, MqttConnectReasonCode refusal);
}
