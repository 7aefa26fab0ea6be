using System.Net;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// Hosts the MQTTnet broker inside the service process. Only authenticated clients connect; the
/// topic rules of design brief section 1 are enforced by <see cref="BrokerAccessControl"/>.
/// </summary>
public sealed partial class EmbeddedMqttBroker : IHostedService, IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly BrokerAccessControl _accessControl;
    private readonly ILogger<EmbeddedMqttBroker> _logger;
    private readonly MqttServer _server;

    public EmbeddedMqttBroker(IOptions<BrokerOptions> options, BrokerAccessControl accessControl, ILogger<EmbeddedMqttBroker> logger)
    {
        _options = options.Value;
        _accessControl = accessControl;
        _logger = logger;
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Parse(_options.BindAddress))
            .WithDefaultEndpointPort(_options.Port)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingSubscriptionAsync += _accessControl.InterceptSubscriptionAsync;
        _server.InterceptingPublishAsync += _accessControl.InterceptPublishAsync;
    }

    public bool IsStarted => _server.IsStarted;

    public int Port => _options.Port;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _server.StartAsync();
        LogStarted(_options.BindAddress, _options.Port);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port}")]
    private partial void LogStarted(string address, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection refused for client {ClientId} (user {UserName}): bad credentials")]
    private partial void LogRefused(string clientId, string? userName);
}
