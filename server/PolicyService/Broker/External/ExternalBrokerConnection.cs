using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Ingestion;

namespace SmartTerminal.PolicyService.Broker.External;

/// <summary>
/// This replica's MQTT 5 connection to an external broker (Broker:Mode=External, design brief section
/// 6). It joins the shared subscription $share/{group}/st/v1/+/up, so the broker hands each uplink to
/// one replica, and passes uplinks into the <see cref="UplinkIntake"/>: a full intake holds the
/// acknowledgement back, and with at most Receive Maximum uplinks unacknowledged the broker stops
/// sending, which is the back-pressure. The broker's acknowledgement only says "taken"; what makes an
/// uplink safe is the device's end-to-end acknowledgement after the commit (an uplink lost with a
/// replica is sent again by its device). It publishes policies (retained) and control messages, and
/// reconnects on its own, subscribing again each time (clean start: nothing waits in the broker for a
/// replica that is gone).
/// </summary>
public sealed partial class ExternalBrokerConnection : BackgroundService, IDeviceDownlink
{
    private const string UplinkPrefix = "st/v1/";
    private const string UplinkSuffix = "/up";
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    private readonly ExternalBrokerOptions _options;
    private readonly ServiceAccount _account;
    private readonly UplinkIntake _intake;
    private readonly ILogger<ExternalBrokerConnection> _logger;
    private readonly IMqttClient _client;
    private readonly ConcurrentDictionary<string, Func<MqttApplicationMessage, Task>> _handlers = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _firstConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly RepeatedFailures _connectFailures;
    private readonly CancellationTokenSource _stopping = new();

    public ExternalBrokerConnection(IOptions<ExternalBrokerOptions> options, ServiceAccount account, UplinkIntake intake, TimeProvider time, ILogger<ExternalBrokerConnection> logger)
    {
        (_options, _account, _intake, _logger) = (options.Value, account, intake, logger);
        _connectFailures = new RepeatedFailures(TimeSpan.FromSeconds(30), time);
        ClientId = _options.ClientId ?? $"policy-service-{Environment.MachineName}-{Environment.ProcessId}";
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += ReceiveAsync;
        _client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                LogDisconnected(e.Reason.ToString(), e.ReasonString);
                _wake.Release();
            }

            return Task.CompletedTask;
        };
    }

    public string ClientId { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>The shared subscription every replica joins.</summary>
    public string UplinkFilter => $"$share/{_options.ShareGroup}/{UplinkPrefix}+{UplinkSuffix}";

    /// <summary>
    /// A topic this connection subscribes to (again after each reconnect) besides the uplinks, and what
    /// to do with its messages (the broker's administration answers).
    /// </summary>
    public void Subscribe(string topic, Func<MqttApplicationMessage, Task> handler) => _handlers[topic] = handler;

    /// <summary>Runs after every (re)connection, once the subscriptions are in place (off the receive loop).</summary>
    public event Func<CancellationToken, Task>? Connected;

    /// <summary>Waits until the first connection is up (so the rest of the start can use it), or the timeout.</summary>
    public async Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _firstConnection.Task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public Task PublishPolicyAsync(string deviceId, byte[] envelope, CancellationToken cancellationToken) =>
        PublishAsync(Topics.Policy(deviceId), envelope, retain: true, cancellationToken);

    // An empty retained message deletes the retained one (MQTT 3.3.1.3).
    public Task ClearPolicyAsync(string deviceId, CancellationToken cancellationToken) =>
        PublishAsync(Topics.Policy(deviceId), [], retain: true, cancellationToken);

    public Task PublishControlAsync(string deviceId, byte[] message, CancellationToken cancellationToken) =>
        PublishAsync(Topics.Control(deviceId), message, retain: false, cancellationToken);

    /// <summary>Publishes QoS 1 and waits for the broker's acknowledgement; Unavailable while the broker cannot be reached.</summary>
    public async Task PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        if (!_client.IsConnected)
        {
            throw new DependencyUnavailableException("the MQTT broker is not reachable; try again shortly");
        }

        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        MqttClientPublishResult result;
        try
        {
            result = await _client.PublishAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException)
        {
            throw new DependencyUnavailableException("the MQTT broker did not take the message: " + e.Message);
        }

        // MQTT 5 brokers refuse with a reason (NotAuthorized when the service account lacks the right).
        if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
        {
            throw new InvalidOperationException($"the MQTT broker refused a publish on {topic}: {result.ReasonCode} {result.ReasonString}");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!_client.IsConnected)
            {
                try
                {
                    await ConnectAsync(stoppingToken);
                    attempt = 0;
                    if (_connectFailures.Succeeded() is { } run)
                    {
                        LogReconnected(run.Failures, run.Lasted);
                    }

                    _firstConnection.TrySetResult();
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    var line = _connectFailures.Failed();
                    if (line.Kind == FailureLogKind.First)
                    {
                        LogConnectFailed(_options.Url!.ToString(), e.Message);
                    }
                    else if (line.Kind == FailureLogKind.Summary)
                    {
                        LogStillUnreachable(line.Count, line.Since, e.Message);
                    }

                    await Task.Delay(Backoff[Math.Min(attempt++, Backoff.Length - 1)], stoppingToken);
                    continue;
                }
            }

            // Woken by a disconnect; checked now and then in case one was missed.
            await _wake.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellationToken);
        }
    }

    public override void Dispose()
    {
        _client.Dispose();
        _wake.Dispose();
        _stopping.Dispose();
        base.Dispose();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var url = _options.Url!;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(url.Host, url.IsDefaultPort || url.Port <= 0 ? (_options.UsesTls ? 8883 : 1883) : url.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(ClientId)
            .WithCredentials(_account.UserName, _account.Password)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithReceiveMaximum((ushort)_options.ReceiveMaximum)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (_options.UsesTls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                tls.WithTargetHost(url.Host);
                if (!string.IsNullOrEmpty(_options.CaCertificatePath))
                {
                    var authority = X509CertificateLoader.LoadCertificateFromFile(_options.CaCertificatePath);
                    tls.WithTrustChain([authority]);
                }
            });
        }

        var connected = await _client.ConnectAsync(builder.Build(), cancellationToken);
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"the broker refused the connection: {connected.ResultCode} {connected.ReasonString}");
        }

        var subscribe = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(UplinkFilter, MqttQualityOfServiceLevel.AtLeastOnce);
        foreach (var topic in _handlers.Keys)
        {
            subscribe.WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var subscribed = await _client.SubscribeAsync(subscribe.Build(), cancellationToken);
        var refused = subscribed.Items.Where(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2).Select(i => $"{i.TopicFilter.Topic} ({i.ResultCode})").ToList();
        if (refused.Count > 0)
        {
            await _client.DisconnectAsync(cancellationToken: cancellationToken);
            throw new InvalidOperationException("the broker refused the subscriptions " + string.Join(", ", refused) + "; does the service account have the rights of docs/SCALING.md?");
        }

        LogConnected(url.ToString(), ClientId, UplinkFilter);
        if (Connected is { } afterConnect)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await afterConnect(_stopping.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogAfterConnectFailed(e.Message);
                }
            });
        }
    }

    // Uplinks: the device id is the topic's middle level; the broker's topic rights made sure only that
    // device could publish there (each device may publish to its own up topic only).
    private async Task ReceiveAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (DeviceOfUplink(message.Topic) is { } deviceId)
        {
            if (message.Retain || message.Payload.Length > UplinkLimits.MaxUplinkBytes)
            {
                // No SmartTerminal device sends these; taken off the broker and ignored (not acknowledged end to end).
                LogIgnored(deviceId, message.Payload.Length, message.Retain);
                return;
            }

            // Awaited before the broker's acknowledgement goes out: a full intake holds it back.
            await _intake.OfferAsync(deviceId, message.Payload, _stopping.Token);
            return;
        }

        if (_handlers.TryGetValue(message.Topic, out var handler))
        {
            await handler(message);
        }
    }

    internal static string? DeviceOfUplink(string topic)
    {
        if (!topic.StartsWith(UplinkPrefix, StringComparison.Ordinal) || !topic.EndsWith(UplinkSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        var id = topic.AsSpan(UplinkPrefix.Length, topic.Length - UplinkPrefix.Length - UplinkSuffix.Length);
        return id.Length > 0 && !id.Contains('/') ? id.ToString() : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the MQTT broker {Url} as {ClientId}; consuming {Filter}")]
    private partial void LogConnected(string url, string clientId, string filter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the MQTT broker connection ({Reason} {ReasonString}); reconnecting")]
    private partial void LogDisconnected(string reason, string? reasonString);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot connect to the MQTT broker {Url}: {Error}; retrying")]
    private partial void LogConnectFailed(string url, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The MQTT broker is still unreachable ({Count} more attempts since {Since:O}): {Error}")]
    private partial void LogStillUnreachable(long count, DateTimeOffset since, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "The MQTT broker is reachable again after {Lasted} ({Failures} failed attempts)")]
    private partial void LogReconnected(long failures, TimeSpan lasted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Work after connecting to the MQTT broker failed: {Error}")]
    private partial void LogAfterConnectFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored an uplink of {DeviceId} ({Bytes} bytes, retained {Retained}): no device sends one")]
    private partial void LogIgnored(string deviceId, long bytes, bool retained);
}
