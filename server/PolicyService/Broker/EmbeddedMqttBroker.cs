using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// Hosts the MQTTnet broker inside the service process (design brief section 6) and publishes
/// policies and control messages into it. MQTTnet keeps retained messages in memory only, so at start
/// every device's current signed policy is loaded back from SQLite: a device that reconnects after a
/// restart still receives its policy.
/// </summary>
public sealed partial class EmbeddedMqttBroker : IHostedService, IPolicyPublisher, IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly BrokerAccessControl _accessControl;
    private readonly StoredEnvelopes _envelopes;
    private readonly ILogger<EmbeddedMqttBroker> _logger;
    private readonly TimeProvider _time;
    private readonly MqttServer _server;

    public EmbeddedMqttBroker(IOptions<BrokerOptions> options, BrokerAccessControl accessControl, StoredEnvelopes envelopes, TimeProvider time, ILogger<EmbeddedMqttBroker> logger)
    {
        _time = time;
        _options = options.Value;
        _accessControl = accessControl;
        _envelopes = envelopes;
        _logger = logger;
        var builder = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Parse(_options.BindAddress))
            .WithDefaultEndpointPort(_options.Port);
        if (_options.TlsPort != 0)
        {
            builder = builder
                .WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(IPAddress.Parse(_options.BindAddress))
                .WithEncryptedEndpointPort(_options.TlsPort)
                .WithEncryptionCertificate(X509CertificateLoader.LoadPkcs12FromFile(_options.TlsCertificatePath!, _options.TlsCertificatePassword))
                .WithEncryptionSslProtocol(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13);
        }

        _server = new MqttServerFactory().CreateMqttServer(builder.Build());
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingSubscriptionAsync += _accessControl.InterceptSubscriptionAsync;
        _server.InterceptingPublishAsync += _accessControl.InterceptPublishAsync;
        _server.LoadingRetainedMessageAsync += LoadRetainedPoliciesAsync;
        _server.ClientSubscribedTopicAsync += SendTimeSyncAsync;
    }

    public bool IsStarted => _server.IsStarted;

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

    public Task PublishControlAsync(string deviceId, byte[] message, CancellationToken cancellationToken) =>
        InjectAsync(Topics.Control(deviceId), message, retain: false, cancellationToken);

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

    // A device that has just subscribed to its control topic gets the service's time at once: a trusted
    // anchor for its clock (design brief section 4), often before SNTP has answered.
    private Task SendTimeSyncAsync(ClientSubscribedTopicEventArgs args)
    {
        if (args.SessionItems[BrokerAccessControl.IdentityKey] is not BrokerIdentity { DeviceId: { } deviceId }
            || args.TopicFilter.Topic != Topics.Control(deviceId))
        {
            return Task.CompletedTask;
        }

        var sync = new SmartTerminal.Contracts.Device.V1.ControlMessage
        {
            TimeSync = new SmartTerminal.Contracts.Device.V1.TimeSync { ServerUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds() },
        };
        return PublishControlAsync(deviceId, Google.Protobuf.MessageExtensions.ToByteArray(sync), CancellationToken.None);
    }

    private Task LoadRetainedPoliciesAsync(LoadingRetainedMessagesEventArgs args)
    {
        foreach (var (deviceId, envelope) in _envelopes.All())
        {
            args.LoadedRetainedMessages.Add(new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Policy(deviceId))
                .WithPayload(envelope)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag()
                .Build());
        }

        LogRetainedLoaded(args.LoadedRetainedMessages.Count);
        return Task.CompletedTask;
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs args)
    {
        var identity = _accessControl.Authenticate(args.ClientId, args.UserName, args.Password);
        if (identity is null)
        {
            args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            LogRefused(args.ClientId, args.UserName);
            return Task.CompletedTask;
        }

        args.SessionItems[BrokerAccessControl.IdentityKey] = identity;
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port} (TLS port {TlsPort}, 0 = off)")]
    private partial void LogStarted(string address, int port, int tlsPort);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Count} retained policies")]
    private partial void LogRetainedLoaded(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection refused for client {ClientId} (user {UserName}): bad credentials")]
    private partial void LogRefused(string clientId, string? userName);
}
